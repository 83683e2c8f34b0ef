import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'auto' }));
const url = new URL((db.pool as any).options.connectionString);
console.log('TCP', url.toString());
url.hostname = ''; url.searchParams.set('host', '/tmp');
console.log('UNIX', url.toString().replace('@:', '@localhost:'));
setInterval(() => {}, 1 << 30);
