import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations are a static, append-only map per store kind. Each domain owns a numeric band
 * (accounts 0xxx, media 1xxx, social 2xxx, sovereignty 3xxx, feeds 4xxx, moderation 5xxx, mail 6xxx), so names sort in a stable order
 * and domains never collide. A landed migration is never edited.
 */
export type MigrationMap = Record<string, Migration>;

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: MigrationMap) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

export async function migrateToLatest(db: Kysely<any>, migrations: MigrationMap): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(migrations),
    // Bands let a domain add a migration that sorts before another domain's newer one.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message ?? String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Merges domain maps, refusing a name declared twice (a silent overwrite would skip a migration). */
export function mergeMigrations(...maps: MigrationMap[]): MigrationMap {
  const out: MigrationMap = {};
  for (const map of maps) {
    for (const [name, migration] of Object.entries(map)) {
      if (out[name]) throw new Error(`migration ${name} is declared twice`);
      out[name] = migration;
    }
  }
  return out;
}
