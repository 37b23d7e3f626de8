import { prepared, type Queryable } from '../../db/client.ts';
import { fieldError, notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { programmeSchema, validateProgramme, type Programme } from './programme.ts';
import { forgetTierNames } from './ledger.ts';

export interface ProgrammeVersion {
  version: number;
  validFrom: Date;
  validTo: Date | null;
  programme: Programme;
  note: string;
  createdBy: string;
  createdAt: Date;
}

let cache: { stamp: string; versions: ProgrammeVersion[] } | null = null;

const toVersion = (r: any): ProgrammeVersion => ({
  version: r.version,
  validFrom: new Date(r.valid_from),
  validTo: r.valid_to ? new Date(r.valid_to) : null,
  programme: programmeSchema.parse(r.programme),
  note: r.note,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
});

/** Every version, oldest first; re-read only when a new version was saved (one cheap query per call). */
export async function programmeVersions(q: Queryable): Promise<ProgrammeVersion[]> {
  const s = await q.query(prepared(`SELECT max(version) AS v, max(created_at)::text AS at, count(*) AS n FROM loyalty_programme_versions`));
  const stamp = `${s.rows[0].v}|${s.rows[0].at}|${s.rows[0].n}`;
  if (cache?.stamp === stamp) return cache.versions;
  const r = await q.query(`SELECT * FROM loyalty_programme_versions ORDER BY valid_from, version`);
  const versions = r.rows.map(toVersion);
  cache = { stamp, versions };
  forgetTierNames(); // a new version (perhaps saved by another process) may have renamed tiers
  return versions;
}

/** The version in force at an instant; before the first version, the first one. */
export function versionAt(versions: ProgrammeVersion[], at: Date): ProgrammeVersion {
  const t = at.getTime();
  let found: ProgrammeVersion | undefined;
  for (const v of versions) {
    if (v.validFrom.getTime() <= t && (v.validTo == null || t < v.validTo.getTime())) found = v;
  }
  if (!found) found = versions.find((v) => v.validTo == null || v.validTo > v.validFrom) ?? versions[0];
  if (!found) throw new Error('no loyalty programme configured');
  return found;
}

export async function currentProgramme(q: Queryable, at = new Date()): Promise<ProgrammeVersion> {
  return versionAt(await programmeVersions(q), at);
}

export async function getVersion(q: Queryable, version: number): Promise<ProgrammeVersion> {
  const r = await q.query('SELECT * FROM loyalty_programme_versions WHERE version = $1', [version]);
  if (!r.rows[0]) throw notFound('Programme version', '积分方案版本');
  return toVersion(r.rows[0]);
}

/**
 * Saves an edit as a new version valid from `validFrom` (now by default; never in the past, so no purchase already
 * valued changes its rules). The versions it overlaps end where it begins; later-dated versions it supersedes are
 * closed without ever taking effect. Tiers are kept in `loyalty_tiers` (code, names, rank) for other modules.
 */
export async function saveProgramme(tx: Queryable, actor: Actor, programme: Programme, opts: { validFrom?: Date; note?: string } = {}): Promise<ProgrammeVersion> {
  validateProgramme(programme);
  const now = new Date();
  const validFrom = opts.validFrom ?? now;
  if (validFrom.getTime() < now.getTime() - 60_000) throw fieldError('validFrom', 'must not be in the past', '不能早于当前时间');
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('loyalty.programme', 0))`);
  await tx.query(`UPDATE loyalty_programme_versions SET valid_to = valid_from WHERE valid_from >= $1 AND (valid_to IS NULL OR valid_to > valid_from)`, [validFrom]);
  await tx.query(`UPDATE loyalty_programme_versions SET valid_to = $1 WHERE valid_from < $1 AND (valid_to IS NULL OR valid_to > $1)`, [validFrom]);
  const r = await tx.query(
    `INSERT INTO loyalty_programme_versions (version, valid_from, programme, note, created_by)
     SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4 FROM loyalty_programme_versions RETURNING *`,
    [validFrom, JSON.stringify(programme), opts.note ?? '', actor.name],
  );
  const codes = programme.tiers.map((t) => t.code);
  // Ranks are unique: move tiers out of the way before giving the ladder its ranks 1…n.
  await tx.query(`UPDATE loyalty_tiers SET rank = CASE WHEN code = ANY($1::text[]) THEN -id ELSE 1000 + id END`, [codes]);
  await tx.query(
    `INSERT INTO loyalty_tiers (code, name_zh, name_en, rank)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
     ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, rank = EXCLUDED.rank`,
    [codes, programme.tiers.map((t) => t.nameZh), programme.tiers.map((t) => t.nameEn), codes.map((_, i) => i + 1)],
  );
  const saved = toVersion(r.rows[0]);
  await recordAudit(tx, actor, { action: 'loyalty.programme.version', entity: 'loyalty_programme', entityId: saved.version, details: { validFrom: validFrom.toISOString(), note: opts.note ?? '' } });
  cache = null;
  forgetTierNames();
  return saved;
}

export async function listVersions(q: Queryable) {
  const r = await q.query(`SELECT version, valid_from AS "validFrom", valid_to AS "validTo", note, created_by AS "createdBy", created_at AS "createdAt" FROM loyalty_programme_versions ORDER BY version DESC`);
  return r.rows;
}
