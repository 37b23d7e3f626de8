import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const ConfigSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  PATRON_DATA_DIR: z.string().min(1).default('./data'),
  PATRON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PATRON_COOKIE_SECURE: z.enum(['true', 'false', 'auto']).default('auto'),
  PATRON_SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  PATRON_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  PATRON_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  PATRON_JOBS: z.enum(['on', 'off']).default('on'),
  PATRON_TIMEZONE: z.string().min(1).default('Asia/Shanghai'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: z.infer<typeof ConfigSchema>['PATRON_LOG_LEVEL'];
  cookieSecure: 'true' | 'false' | 'auto';
  sessionHours: number;
  adminPassword: string | undefined;
  dbPoolSize: number;
  jobs: boolean;
  timezone: string;
};

export class ConfigError extends Error {}

/** Reads every setting from the environment once; a wrong value stops start-up with a message naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(cleaned[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.PATRON_DATA_DIR,
    logLevel: c.PATRON_LOG_LEVEL,
    cookieSecure: c.PATRON_COOKIE_SECURE,
    sessionHours: c.PATRON_SESSION_HOURS,
    adminPassword: c.PATRON_ADMIN_PASSWORD,
    dbPoolSize: c.PATRON_DB_POOL_SIZE,
    jobs: c.PATRON_JOBS === 'on',
    timezone: c.PATRON_TIMEZONE,
  };
}
