import { z } from 'zod';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../http/context.ts';
import type { JobDefinition } from '../../../jobs/runner.ts';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config.ts';
import { needs } from '../../../http/auth.ts';
import { AppError, badRequest } from '../../../http/errors.ts';
import { idParams, limit, id as idSchema } from '../../../lib/validation.ts';
import { can, recordAudit } from '../../staff/index.ts';
import { IMPORT_JOB, createImport, getImport, listImports, runImport, startImport } from './service.ts';
import { csvReport, xlsxReport } from './report.ts';

export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

export const importsDir = (config: Config) => resolve(config.dataDir, 'imports');

export function importJobs({ db }: { db: Db; config: Config }): JobDefinition[] {
  return [{ name: IMPORT_JOB, handler: async (data: { importId: number }) => runImport(db, data.importId) }];
}

const summary = z.any();

export async function importRoutes(app: FastifyInstance, { db, config, jobs }: AppContext) {
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10, fieldSize: 1024 } });
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/imports', {
    schema: {
      tags: ['imports'],
      summary: 'Upload a CSV or XLSX file (multipart, field "file", up to 512 MB): returns its columns, the first rows and a suggested mapping',
      querystring: z.strictObject({
        kind: z.enum(['customers', 'purchases']).default('customers'),
        encoding: z.string().trim().min(1).max(40).optional(),
        hasHeader: z.enum(['true', 'false']).optional(),
      }),
      response: { 201: summary },
    },
    preHandler: needs(db, 'customers.import'),
  }, async (req, reply) => {
    if (!req.isMultipart()) throw badRequest('NOT_MULTIPART', 'Send the file as multipart/form-data in a field named "file".', '请以 multipart/form-data 上传文件（字段名 file）。');
    const part = await req.file();
    if (!part) throw badRequest('NO_FILE', 'No file was uploaded.', '没有上传文件。');
    const dir = importsDir(config);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${randomUUID()}.upload`);
    try {
      await pipeline(part.file, createWriteStream(path));
      if (part.file.truncated) throw new AppError(413, 'FILE_TOO_LARGE', { en: 'The file is larger than 512 MB.', zh: '文件超过 512 MB。' });
      const size = (await stat(path)).size;
      const result = await createImport(db, req.actor!, { path, fileName: part.filename || 'upload', size }, {
        kind: req.query.kind, encoding: req.query.encoding, hasHeader: req.query.hasHeader === undefined ? undefined : req.query.hasHeader === 'true',
      });
      return reply.status(201).send(result);
    } catch (err) {
      await rm(path, { force: true });
      if ((err as any)?.code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError(413, 'FILE_TOO_LARGE', { en: 'The file is larger than 512 MB.', zh: '文件超过 512 MB。' });
      throw err;
    }
  });

  r.post('/api/imports/:id/start', {
    schema: {
      tags: ['imports'],
      summary: 'Start the import in the background with a column mapping (one target per column, null to ignore) and a duplicate policy',
      params: idParams,
      body: z.strictObject({
        mapping: z.array(z.string().max(80).nullable()).max(500),
        duplicatePolicy: z.enum(['merge', 'skip', 'update']).default('merge'),
      }),
      response: { 202: summary },
    },
    preHandler: needs(db, 'customers.import'),
  }, async (req, reply) => {
    await startImport(db, req.actor!, req.params.id, req.body);
    try {
      await jobs.send(IMPORT_JOB, { importId: req.params.id }, { singletonKey: `import:${req.params.id}` });
    } catch {
      // The run records its own failure on the import; the caller polls for it.
    }
    return reply.status(202).send(await getImport(db, req.params.id));
  });

  r.get('/api/imports', {
    schema: { tags: ['imports'], summary: 'Import history, newest first', querystring: z.strictObject({ limit: limit(20, 200), beforeId: idSchema.optional() }) },
    preHandler: needs(db, 'customers.import'),
  }, async (req) => ({ items: await listImports(db, req.query) }));

  r.get('/api/imports/:id', {
    schema: { tags: ['imports'], summary: 'An import\'s status and progress (rows read, created, updated, merged, rejected, percent)', params: idParams },
    preHandler: needs(db, 'customers.import'),
  }, async (req) => getImport(db, req.params.id));

  r.get('/api/imports/:id/report', {
    schema: {
      tags: ['imports'],
      summary: 'The per-row report (every row, or only rejected rows), as CSV (UTF-8 with BOM) or XLSX, streamed',
      params: idParams,
      querystring: z.strictObject({ format: z.enum(['csv', 'xlsx']).default('csv'), rows: z.enum(['all', 'rejected']).default('all') }),
    },
    preHandler: needs(db, 'customers.import'),
  }, async (req, reply) => {
    const imp = await getImport(db, req.params.id);
    // The rows' own values are personal data: only roles that may see it get them back.
    const withData = can(req.actor!, 'customers.pii');
    await recordAudit(db, req.actor!, { action: 'import.report', entity: 'import', entityId: imp.id, details: { rows: req.query.rows, format: req.query.format, withData } });
    const name = `import-${imp.id}-${req.query.rows}.${req.query.format}`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    if (req.query.format === 'xlsx') {
      reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      return reply.send(xlsxReport(db, imp.id, imp.columns, req.query.rows, withData, (e) => req.log.error({ err: e }, 'import report failed')));
    }
    reply.type('text/csv; charset=utf-8');
    return reply.send(csvReport(db, imp.id, imp.columns, req.query.rows, withData));
  });
}
