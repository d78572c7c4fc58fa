import * as Slider from '@radix-ui/react-slider';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { mediaUrl } from '../../transport';

interface CompareSliderProps {
  /** The parent (left of the divider) and the version (right), blob ids; alt texts name them. */
  before: { blobId: string; alt: string };
  after: { blobId: string; alt: string };
}

/**
 * A/B comparison: both images stacked at the same size, the version revealed right of a divider the slider moves
 * (arrow keys by 1 %, Page Up/Down by 10 %, Home/End).
 */
export function CompareSlider({ before, after }: CompareSliderProps) {
  const { t } = useTranslation();
  const [pos, setPos] = useState(50);
  return (
    <figure className="compare" aria-label={t('chains.compare')}>
      <div className="compare-stage">
        <img src={mediaUrl(before.blobId, 'original')} alt={before.alt} draggable={false} />
        <img
          className="compare-after"
          src={mediaUrl(after.blobId, 'original')}
          alt={after.alt}
          draggable={false}
          style={{ clipPath: `inset(0 0 0 ${pos}%)` }}
        />
        <span className="compare-divider" style={{ left: `${pos}%` }} aria-hidden="true" />
        <span className="compare-tag compare-tag-a" aria-hidden="true">
          {t('chains.parentTag')}
        </span>
        <span className="compare-tag compare-tag-b" aria-hidden="true">
          {t('chains.versionTag')}
        </span>
      </div>
      <Slider.Root className="slider compare-slider" min={0} max={100} step={1} value={[pos]} onValueChange={(v) => setPos(v[0] ?? 50)}>
        <Slider.Track className="slider-track">
          <Slider.Range className="slider-range" />
        </Slider.Track>
        <Slider.Thumb className="slider-thumb" aria-label={t('chains.comparePosition')} />
      </Slider.Root>
    </figure>
  );
}
