// npm run keys -- create --name bot1 --scopes trading:read,trading:execute [--expires 2027-01-01]
//                 list | revoke <id-or-name> | webhook-secret <id-or-name>
import { Command, InvalidArgumentError } from 'commander';
import { ScopeSchema, SCOPES, type Scope } from '../server/auth/schema';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { createServices } from '../server/services';

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const scope of scopes) {
    if (!ScopeSchema.safeParse(scope).success) throw new InvalidArgumentError(`unknown scope "${scope}"; known: ${SCOPES.join(', ')}`);
  }
  return scopes as Scope[];
}

const config = loadConfig();
const withServices = async (work: (services: ReturnType<typeof createServices>) => Promise<void>) => {
  const db = await openDatabase(config);
  try {
    await work(createServices(db, config));
  } finally {
    await db.close();
  }
};

const program = new Command('keys').description('Manage Quantbase API keys').exitOverride();

program
  .command('create')
  .requiredOption('--name <name>', 'who or what uses the key')
  .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, parseScopes)
  .option('--expires <date>', 'expiry date (ISO 8601)')
  .action((opts: { name: string; scopes: Scope[]; expires?: string }) =>
    withServices(async (services) => {
      const expiresAt = opts.expires ? new Date(opts.expires) : undefined;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new InvalidArgumentError('--expires is not a date');
      const { key, info } = await services.auth.createKey(opts.name, opts.scopes, expiresAt);
      console.log(`created key ${info.prefix}… "${info.name}" with scopes ${info.scopes.join(',')}; it is shown only now:`);
      console.log(key);
    }),
  );

program.command('list').action(() =>
  withServices(async (services) => {
    const rows = (await services.auth.listKeys()).map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes.join(','),
      lastUsed: k.lastUsedAt?.toISOString() ?? '-',
      status: k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < new Date() ? 'expired' : 'active',
    }));
    console.table(rows);
  }),
);

program
  .command('revoke')
  .argument('<id-or-name>')
  .action((idOrName: string) =>
    withServices(async (services) => {
      const count = await services.auth.revokeKey(idOrName);
      if (count === 0) throw new InvalidArgumentError(`no active key "${idOrName}"`);
      console.log(`revoked ${count} key(s); requests with them are refused from now on`);
    }),
  );

program
  .command('webhook-secret')
  .description("create or rotate a key's signing secret for POST /api/predictions/webhook (shown once)")
  .argument('<id-or-name>')
  .action((idOrName: string) =>
    withServices(async (services) => {
      const live = (await services.auth.listKeys()).filter((k) => (k.id === idOrName || k.name === idOrName) && !k.revokedAt && !(k.expiresAt && k.expiresAt < new Date()));
      if (live.length !== 1) throw new InvalidArgumentError(live.length === 0 ? `no active key "${idOrName}"` : `${live.length} active keys are named "${idOrName}"; give the id`);
      const secret = await services.inboundWebhooks.rotateSecret(live[0]!.id);
      console.log(`webhook secret of ${live[0]!.prefix}… "${live[0]!.name}" (any earlier one stops working now); it is shown only now:`);
      console.log(secret);
    }),
  );

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  if (!/outputHelp|helpDisplayed|version/.test((error as { code?: string }).code ?? '')) console.error(message);
  process.exit((error as { exitCode?: number }).exitCode ?? 1);
}
