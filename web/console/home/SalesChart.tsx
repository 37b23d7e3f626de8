import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { fillDays, type DailySales } from './days.ts';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export function SalesChart({ daily, labels }: { daily: DailySales[]; labels: { sales: string; purchases: string } }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const c = echarts.init(el.current!);
    chart.current = c;
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el.current!);
    return () => {
      resize.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    const days = fillDays(daily);
    chart.current?.setOption({
      color: ['#c2185b', '#1677ff'],
      tooltip: {
        trigger: 'axis',
        valueFormatter: undefined,
        formatter: (ps: any[]) =>
          `${ps[0]?.axisValue}<br/>` +
          ps.map((p) => `${p.marker}${p.seriesName}: ${p.seriesIndex === 0 ? `¥${Number(p.value).toLocaleString('zh-CN', { minimumFractionDigits: 2 })}` : p.value}`).join('<br/>'),
      },
      legend: { top: 0 },
      grid: { left: 64, right: 48, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
      yAxis: [
        { type: 'value', name: '¥', axisLabel: { formatter: (v: number) => (v >= 10000 ? `${v / 10000}万` : String(v)) } },
        { type: 'value', splitLine: { show: false }, minInterval: 1 },
      ],
      series: [
        { name: labels.sales, type: 'bar', data: days.map((d) => d.salesFen / 100), barMaxWidth: 18 },
        { name: labels.purchases, type: 'line', yAxisIndex: 1, smooth: true, data: days.map((d) => d.purchases), symbolSize: 4 },
      ],
    }, true);
  }, [daily, labels.sales, labels.purchases]);
  return <div ref={el} style={{ height: 320, width: '100%' }} data-testid="home-sales-chart" />;
}
