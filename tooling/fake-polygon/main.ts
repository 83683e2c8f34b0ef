// Offline demo: serve the SPY reference bars through the fake Polygon aggregates API.
//
//   npx tsx tooling/fake-polygon/main.ts [--port 9010] [--host 127.0.0.1] [--api-key KEY]
//                                                 [--reference-dir DIR] [--delayed] [--speed 60]
//   env: FAKE_POLYGON_PORT (default 9010), QUANTBASE_REFERENCE_DIR
//
// Then e.g. curl 'http://127.0.0.1:9010/v2/aggs/ticker/SPY/range/5/minute/2025-07-01/2025-07-07?apiKey=demo'
// Minute data: 2025-07-01 .. 2025-07-07 (extended hours). Daily data: 2023-01-03 .. 2026-02-09 (Stooq).
// The stocks WebSocket is at ws://127.0.0.1:9010/stocks: the first subscription starts a replay of the
// minute bars, `--speed` market minutes per wall-clock minute (60 = a minute a second).
import { parseArgs } from 'node:util';
import { DEFAULT_REFERENCE_DIR, loadSpyDailyBars, loadSpyMinuteBars } from '../reference/reference-csv';
import { startFakePolygon } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'reference-dir': { type: 'string', default: DEFAULT_REFERENCE_DIR },
      delayed: { type: 'boolean', default: false },
      speed: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: fake-polygon [--port N] [--host H] [--api-key KEY] [--reference-dir DIR] [--delayed] [--speed X]\n' +
        'Serves the SPY reference bars as Polygon v2 aggregates and replays them on the stocks WebSocket (/stocks)\n' +
        'at X times market speed (default 60). Port: --port, FAKE_POLYGON_PORT, or 9010.\n',
    );
    return;
  }
  const portText = values.port ?? process.env.FAKE_POLYGON_PORT ?? '9010';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port "${portText}"`);

  const speed = Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0) throw new Error(`Invalid speed "${values.speed}"`);

  const referenceDir = values['reference-dir'];
  const minute = loadSpyMinuteBars(referenceDir);
  const daily = loadSpyDailyBars(referenceDir);
  const server = await startFakePolygon({
    minuteBars: { SPY: minute },
    dailyBars: { SPY: daily },
    port,
    host: values.host,
    apiKey: values['api-key'],
    status: values.delayed ? 'DELAYED' : 'OK',
    autoReplay: { speed },
  });
  process.stdout.write(
    `Fake Polygon listening on ${server.url}\n` +
      `  SPY minute bars: ${minute.length} (2025-07-01..2025-07-07), daily bars: ${daily.length} (2023-01-03..2026-02-09)\n` +
      `  try: curl '${server.url}/v2/aggs/ticker/SPY/range/1/hour/2025-07-03/2025-07-03?apiKey=${values['api-key'] ?? 'demo'}'\n` +
      `  stocks WebSocket: ${server.url.replace(/^http/, 'ws')}/stocks (replay at ${speed}x from the first subscription)\n`,
  );

  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake-polygon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
