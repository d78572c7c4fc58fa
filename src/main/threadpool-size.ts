/**
 * Imported first by the entries that host the services (the web host's src/main/web/cli.ts, the utility process's
 * src/main/service-host-entry.ts), for its side effect: libuv's threadpool, which runs every file operation and
 * every sharp call of the process, gets 16 threads instead of 4 unless `UV_THREADPOOL_SIZE` is set. With four, an
 * import's fsyncs and the image pool's decodes can hold them all, and a gallery's thumbnail read waits in line
 * behind them. libuv reads the variable when the pool first starts
 * (https://docs.libuv.org/en/v1.x/threadpool.html), so this must run before any asynchronous file operation:
 * importing it before anything else does that.
 */
export const THREADPOOL_SIZE = 16;

if (!process.env['UV_THREADPOOL_SIZE']) process.env['UV_THREADPOOL_SIZE'] = String(THREADPOOL_SIZE);
