import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { useEffect, useRef } from "react";

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

export const PALETTE = ["#1f5fbf", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#0b7285"];

export interface Series {
  label: string;
  data: (number | null)[];
}

interface Props {
  type: "line" | "bar";
  labels: string[];
  series: Series[];
  /** Describes the chart for screen readers (the numbers are in the table next to it). */
  label: string;
  horizontal?: boolean;
  yTitle?: string;
  height?: number;
  format?: (v: number) => string;
}

/** A chart.js canvas. The data are always also shown as a table: the chart is a picture of it. */
export function Chart({ type, labels, series, label, horizontal, yTitle, height = 260, format }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJS | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    const valueAxis = horizontal ? "x" : "y";
    const config: ChartConfiguration = {
      type,
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.data,
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: type === "bar" ? PALETTE[i % PALETTE.length] + "cc" : PALETTE[i % PALETTE.length],
          spanGaps: true,
          tension: 0.2,
          pointRadius: labels.length > 40 ? 0 : 3,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: format
              ? { label: (ctx) => `${ctx.dataset.label}: ${ctx.raw === null ? "—" : format(ctx.raw as number)}` }
              : {},
          },
        },
        scales: {
          [valueAxis]: {
            beginAtZero: true,
            title: yTitle ? { display: true, text: yTitle } : undefined,
          },
        },
      },
    };
    chart.current?.destroy();
    chart.current = new ChartJS(canvas.current, config);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [type, labels, series, horizontal, yTitle, format]);

  return (
    <div className="chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

/** A tiny inline SVG trend line (no library needed for a sparkline). */
export function Sparkline({ values, label, width = 120, height = 28 }: { values: number[]; label: string; width?: number; height?: number }) {
  if (values.length === 0) return null;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(" ");
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={pts} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
