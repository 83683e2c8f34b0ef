import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { benchIngestion } from '../server/ingestion/bench';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));
for (let i = 0; i < 3; i++) console.log(await benchIngestion(db));
await db.close();
process.exit(0);
