// The yardstick of `npm run bench:api`: a bare Express app (no middleware, no database) in its own
// process, answering each path with bytes captured from the real server. Started with the path of
// a JSON file `{ "<path>": "<body, base64>" }`; prints `listening <port>` when ready.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

const bodies = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as Record<string, string>;
const app = express();
for (const [path, base64] of Object.entries(bodies)) {
  const body = Buffer.from(base64, 'base64');
  app.get(path, (_req, res) => {
    res.type('application/json').send(body);
  });
}
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
