// A minimal Server-Sent Events client over fetch, for tests and the stream bench: it records every
// frame (events and comments) as it arrives, with the time it was parsed.
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines (`: heartbeat`). */
  comment?: string;
  receivedAt: number;
}

export interface SseClient {
  status: number;
  frames: SseFrame[];
  /** The frames with an `event:` line (not comments). */
  events(): SseFrame[];
  /** Resolves once `condition` holds for the frames so far (checked as each frame arrives). */
  until(condition: (frames: SseFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Called at each frame, e.g. to time its arrival. */
  onFrame?: (frame: SseFrame) => void;
  close(): void;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  const client: SseClient = {
    status: res.status,
    frames,
    events: () => frames.filter((f) => f.event !== undefined),
    until(condition, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!condition(frames)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE condition not met in ${timeoutMs} ms; frames: ${JSON.stringify(frames.slice(-5))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
    ended: Promise.resolve(),
  };
  if (res.status !== 200 || !res.body) return client;
  client.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = { receivedAt: performance.now() };
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            const [field, value] = colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
            if (field === '') frame.comment = frame.comment === undefined ? value : `${frame.comment}\n${value}`;
            else if (field === 'id' || field === 'event') frame[field] = value;
            else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
          }
          frames.push(frame);
          client.onFrame?.(frame);
          for (const waiter of [...waiters]) waiter();
        }
      }
    } catch {
      // closed by us (abort) or cut by the server: either way the stream is over
    }
  })();
  return client;
}
