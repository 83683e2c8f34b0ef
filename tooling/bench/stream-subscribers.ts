// The stream bench's subscribers, in a worker thread: 50 SSE clients of GET /api/stream whose
// reading and parsing must not share the server's event loop (the bench process runs the server).
// Each bar frame's receipt is kept as [bar index, epoch ms] (performance.timeOrigin + now: one clock
// for every thread) and all are posted back when the main thread asks.
import { parentPort, workerData } from 'node:worker_threads';
import { openSse, type SseClient } from '../../server/testing/sse';

interface Options {
  url: string;
  key: string;
  subscribers: number;
  /** Epoch ms of bar 0; bar i is stamped i minutes later. */
  t0: number;
}

const { url, key, subscribers, t0 } = workerData as Options;
const receipts: Array<[number, number]> = [];
const clients: SseClient[] = [];
for (let i = 0; i < subscribers; i += 1) {
  const client = await openSse(url, { Authorization: `Bearer ${key}` });
  if (client.status !== 200) throw new Error(`stream subscriber ${i}: HTTP ${client.status}`);
  client.onFrame = (frame) => {
    if (frame.event !== 'bar' || !frame.data) return;
    const index = (Date.parse((JSON.parse(frame.data) as { payload: { timestamp: string } }).payload.timestamp) - t0) / 60_000;
    receipts.push([index, performance.timeOrigin + frame.receivedAt]);
    frame.data = undefined; // 50,000 frames: keep the times, not the text
  };
  clients.push(client);
}
parentPort!.postMessage({ ready: true });
parentPort!.once('message', () => {
  clients.forEach((c) => c.close());
  parentPort!.postMessage({ receipts });
});
