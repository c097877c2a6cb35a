// Loads the console's copy of ECharts once: web/vendor/echarts.min.js, which scripts/setup.sh
// installs from npm (web/package.json pins the version; the folder is git-ignored). It runs as
// a classic same-origin script, which the server's CSP (default-src 'self') allows. The
// promise resolves to the echarts namespace, or to null when the file is missing or does not
// run — the tag page then falls back to its plain SVG chart (chart.js).

export const ECHARTS_URL = new URL('../vendor/echarts.min.js', import.meta.url).href;

let pending = null;

/** loadEcharts() → Promise<echarts | null>; never rejects. A failed load is tried again next time. */
export function loadEcharts() {
  const ready = () => (window.echarts && typeof window.echarts.init === 'function' ? window.echarts : null);
  if (ready()) return Promise.resolve(ready());
  if (!pending) {
    pending = new Promise((resolve) => {
      const el = document.createElement('script');
      el.src = ECHARTS_URL;
      el.async = true;
      el.addEventListener('load', () => {
        if (!ready()) { el.remove(); pending = null; }
        resolve(ready());
      });
      el.addEventListener('error', () => { el.remove(); pending = null; resolve(null); });
      document.head.append(el);
    });
  }
  return pending;
}
