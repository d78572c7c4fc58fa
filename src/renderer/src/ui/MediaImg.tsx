import type { ImgHTMLAttributes } from 'react';
import { mediaUrl } from '../transport';

interface MediaImgProps extends Omit<ImgHTMLAttributes<HTMLImageElement>, 'src'> {
  blobId: string;
  variant: 'original' | 'thumb';
  alt: string;
}

/** A stored image; a thumbnail that cannot be had falls back to the original once. */
export function MediaImg({ blobId, variant, alt, ...rest }: MediaImgProps) {
  return (
    <img
      {...rest}
      alt={alt}
      src={mediaUrl(blobId, variant)}
      onError={(e) => {
        const original = mediaUrl(blobId, 'original');
        if (variant === 'thumb' && !e.currentTarget.src.endsWith(original)) e.currentTarget.src = original;
      }}
    />
  );
}
