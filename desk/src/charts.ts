import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot, { type AlignedData, type Options } from 'uplot';

/** Options without the size: the chart takes its container's width. */
export type ChartOptions = Omit<Options, 'width' | 'height'>;

/**
 * A uPlot chart filling its container's width, rebuilt when its data change. `label`
 * names it for screen readers; the figures it draws are also in the tables beside it.
 */
export function Chart({ options, data, label, height = 260 }: { options: ChartOptions; data: AlignedData; label: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const plot = new uPlot({ ...options, width: Math.max(280, el.clientWidth), height }, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [options, data, height]);
  return html`<div class="chart" ref=${box} role="img" aria-label=${label} data-points=${data[0]?.length ?? 0}></div>`;
}

/** Draws a vertical line at x = `at` (the current price) across the plot. */
export function verticalLine(at: number, color: string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const x = u.valToPos(at, 'x', true);
        const { top, height } = u.bbox;
        u.ctx.save();
        u.ctx.strokeStyle = color;
        u.ctx.lineWidth = 2 * devicePixelRatio;
        u.ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        u.ctx.beginPath();
        u.ctx.moveTo(x, top);
        u.ctx.lineTo(x, top + height);
        u.ctx.stroke();
        u.ctx.restore();
      },
    },
  };
}

/** Colours of the tier lines, as the badges use them. */
export const TIER_COLORS = { tier1: '#c26a00', tier2: '#b34700', tier3: '#b00020', ratio: '#1f5fbf', price: '#555' } as const;
