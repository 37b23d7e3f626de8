export interface DailySales {
  day: string;
  salesFen: number;
  purchases: number;
}

const shanghaiDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Every business day (Asia/Shanghai) of the window ending today, zeros where nothing was sold: the server lists only days with sales. */
export function fillDays(daily: DailySales[], days = 30, now = new Date()): DailySales[] {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const out: DailySales[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = shanghaiDay.format(new Date(now.getTime() - i * 86_400_000));
    out.push(byDay.get(day) ?? { day, salesFen: 0, purchases: 0 });
  }
  return out;
}
