import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

export type Lang = 'zh' | 'en';

/** The caller's language: Chinese unless the request prefers English. */
export function requestLang(req: { headers: Record<string, unknown> }): Lang {
  const accept = String(req.headers['accept-language'] ?? '').toLowerCase();
  if (!accept) return 'zh';
  const first = accept.split(',')[0]?.trim() ?? '';
  return first.startsWith('en') ? 'en' : 'zh';
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** A field problem in both languages, for checks zod cannot express. */
export interface BilingualFieldProblem {
  path: string;
  en: string;
  zh: string;
}

/** A business error with a status, a machine-readable code and a message in both languages. */
export class AppError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: string,
    public readonly messages: { en: string; zh: string },
    public readonly fields?: BilingualFieldProblem[],
    public readonly extra?: Record<string, unknown>,
  ) {
    super(messages.en);
  }
}

export const badRequest = (code: string, en: string, zh: string, fields?: BilingualFieldProblem[]) =>
  new AppError(400, code, { en, zh }, fields);
export const unauthorized = (code = 'UNAUTHENTICATED', en = 'Please log in.', zh = '请先登录。') =>
  new AppError(401, code, { en, zh });
export const forbidden = (code = 'FORBIDDEN', en = 'You do not have permission to do this.', zh = '您没有执行此操作的权限。') =>
  new AppError(403, code, { en, zh });
export const notFound = (what: string, zhWhat: string) =>
  new AppError(404, 'NOT_FOUND', { en: `${what} not found.`, zh: `未找到${zhWhat}。` });
export const conflict = (code: string, en: string, zh: string, extra?: Record<string, unknown>) =>
  new AppError(409, code, { en, zh }, undefined, extra);

/** A 400 naming every field in `fields`. */
export const fieldErrors = (fields: BilingualFieldProblem[]) =>
  new AppError(400, 'VALIDATION_FAILED', { en: `Invalid input: ${fields.map((f) => f.path).join(', ')}`, zh: `输入无效：${fields.map((f) => f.path).join('，')}` }, fields);

/** A 400 naming one field. */
export const fieldError = (path: string, en: string, zh: string) =>
  new AppError(400, 'VALIDATION_FAILED', { en: `Invalid input: ${path}: ${en}`, zh: `输入无效：${path}：${zh}` }, [{ path, en, zh }]);

const zodZh: Record<string, string> = {
  invalid_type: '类型不正确',
  too_small: '太短或太小',
  too_big: '太长或太大',
  invalid_format: '格式不正确',
  unrecognized_keys: '包含未知字段',
  invalid_value: '取值不在允许范围内',
  invalid_union: '不符合任何允许的格式',
  custom: '取值无效',
  not_multiple_of: '不是要求的倍数',
};

interface IssueLike {
  code: string;
  path: (string | number)[];
  message: string;
  keys?: string[];
}

function zodProblems(issues: IssueLike[], lang: Lang, prefix: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys ?? []) {
        out.push({ path: base ? `${base}.${k}` : k, message: lang === 'zh' ? '未知字段' : 'unknown field' });
      }
      continue;
    }
    const message = lang === 'zh' ? (zodZh[issue.code] ?? '取值无效') + (issue.message && /[\u4e00-\u9fff]/.test(issue.message) ? `：${issue.message}` : '') : issue.message;
    out.push({ path: base || '(body)', message });
  }
  return out;
}

export function sendError(reply: FastifyReply, req: FastifyRequest, err: unknown) {
  const lang = requestLang(req);
  if (err instanceof AppError) {
    const fields = err.fields?.map((f) => ({ path: f.path, message: f[lang] }));
    if (err.statusCode === 429 && err.extra?.retryAfterSeconds) reply.header('retry-after', String(err.extra.retryAfterSeconds));
    return reply.status(err.statusCode).send({
      error: { code: err.code, message: err.messages[lang], ...(fields ? { fields } : {}), ...(err.extra ?? {}) },
      requestId: req.id,
    });
  }
  const fe = err as FastifyError & { validation?: unknown; validationContext?: string };
  const zodErr = err instanceof ZodError ? err : (fe as any)?.cause instanceof ZodError ? (fe as any).cause : undefined;
  if (zodErr || fe?.validation) {
    const context = fe?.validationContext ?? 'body';
    const issues: IssueLike[] = zodErr
      ? (zodErr.issues as IssueLike[])
      : ((fe.validation as any[]) ?? []).map((v) => ({
          ...(v.params ?? {}),
          code: String(v.keyword ?? 'custom'),
          path: String(v.instancePath ?? '').split('/').filter(Boolean),
          message: v.message ?? 'invalid',
        }));
    const fields = zodProblems(issues, lang, context === 'body' ? '' : context);
    return reply.status(400).send({
      error: {
        code: 'VALIDATION_FAILED',
        message: lang === 'zh' ? `输入无效：${fields.map((f) => f.path).join('，')}` : `Invalid input: ${fields.map((f) => f.path).join(', ')}`,
        fields,
      },
      requestId: req.id,
    });
  }
  const status = fe?.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fe.message) ? 'MALFORMED_JSON' : (fe.code ?? 'BAD_REQUEST');
    const zh: Record<string, string> = {
      MALFORMED_JSON: '请求体不是有效的 JSON。',
      FST_ERR_CTP_BODY_TOO_LARGE: '请求体过大。',
      FST_ERR_CTP_INVALID_MEDIA_TYPE: '不支持的内容类型。',
      FST_ERR_CTP_EMPTY_JSON_BODY: '请求体为空。',
    };
    return reply.status(status).send({
      error: { code, message: lang === 'zh' ? (zh[code] ?? '请求无效。') : fe.message },
      requestId: req.id,
    });
  }
  // A database constraint that input checks missed is still the caller's conflict, not our crash.
  const pgCode = (err as any)?.code;
  if (pgCode === '23505') {
    return reply.status(409).send({
      error: { code: 'DUPLICATE', message: lang === 'zh' ? '记录已存在。' : 'A record with these values already exists.' },
      requestId: req.id,
    });
  }
  if (pgCode === '22003' || pgCode === '22P02' || pgCode === '22007' || pgCode === '22008') {
    return reply.status(400).send({
      error: { code: 'VALIDATION_FAILED', message: lang === 'zh' ? '取值超出范围或格式不正确。' : 'A value is out of range or malformed.' },
      requestId: req.id,
    });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send({
    error: { code: 'INTERNAL', message: lang === 'zh' ? '服务器内部错误。' : 'Internal server error.' },
    requestId: req.id,
  });
}
