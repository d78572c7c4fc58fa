/**
 * Issue 11, notifications: what a finished job or task is told as (src/renderer/src/store/notify.ts), in the user's
 * language; a canceled one is not told.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../../src/shared/contracts/transfer';
import type { JobView } from '../../src/shared/domain';
import { i18n } from '../../src/renderer/src/i18n';
import { jobNotice, taskNotice } from '../../src/renderer/src/store/notify';

const job = (over: Partial<JobView>): JobView => ({ state: 'completed', prompt: 'A red kite over dunes', assetIds: ['a', 'b', 'c'], ...over }) as JobView;
const task = (over: Partial<TaskView>): TaskView => ({ kind: 'import', state: 'completed', label: 'Holiday', ...over }) as TaskView;

describe('notification texts', () => {
  afterAll(() => void i18n.changeLanguage('en'));

  it('names what finished, with the prompt or the task’s subject as the body', async () => {
    await i18n.changeLanguage('en');
    expect(jobNotice(job({}))).toEqual({ title: '3 images ready', body: 'A red kite over dunes' });
    expect(jobNotice(job({ assetIds: ['a'] }))?.title).toBe('1 image ready');
    expect(jobNotice(job({ state: 'failed' }))?.title).toBe('A job failed');
    expect(jobNotice(job({ state: 'expired' }))?.title).toBe('A job expired');
    expect(jobNotice(job({ state: 'canceled' }))).toBeNull();
    expect(taskNotice(task({}))).toEqual({ title: 'Import finished', body: 'Holiday' });
    expect(taskNotice(task({ kind: 'backup', state: 'failed' }))?.title).toBe('Backup failed');
    expect(taskNotice(task({ kind: 'integrity' }))?.title).toBe('Library check finished');
    expect(taskNotice(task({ state: 'canceled' }))).toBeNull();
    const long = jobNotice(job({ prompt: 'x'.repeat(500) }))!.body;
    expect(long).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
  });

  it('speaks Korean and Japanese', async () => {
    await i18n.changeLanguage('ko');
    expect(jobNotice(job({}))?.title).toBe('이미지 3개 완성');
    expect(taskNotice(task({ kind: 'export' }))?.title).toBe('내보내기 완료');
    await i18n.changeLanguage('ja');
    expect(jobNotice(job({}))?.title).toBe('3 枚の画像ができました');
    expect(taskNotice(task({ kind: 'thumbnails' }))?.title).toBe('サムネイルを作り直しました');
  });
});
