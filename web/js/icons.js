// Inline SVG icons (static, trusted markup). 24×24 viewBox, stroke = currentColor.
const wrap = (body) => `<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

export const icons = {
  logo: `<svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true"><path d="M16 2 4 7v8c0 7.4 5.1 13.3 12 15 6.9-1.7 12-7.6 12-15V7L16 2z" fill="#f5a524"/><path d="M16 5.3 7 9.1v5.9c0 5.6 3.8 10.2 9 11.7 5.2-1.5 9-6.1 9-11.7V9.1l-9-3.8z" fill="#10171f"/><path d="m11 16 3.4 3.4L21.5 12" fill="none" stroke="#f5a524" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
  menu: wrap('<path d="M4 6h16M4 12h16M4 18h16"/>'),
  close: wrap('<path d="M6 6l12 12M18 6 6 18"/>'),
  home: wrap('<path d="M3 11 12 4l9 7"/><path d="M5 10v10h14V10"/><path d="M10 20v-6h4v6"/>'),
  areas: wrap('<path d="M3 6l6-2 6 2 6-2v14l-6 2-6-2-6 2z"/><path d="M9 4v14M15 6v14"/>'),
  assets: wrap('<circle cx="12" cy="12" r="3.2"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9 7 7M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1"/>'),
  tags: wrap('<path d="M3 12h4l3-7 4 14 3-7h4"/>'),
  people: wrap('<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c.8-3.6 3.4-5.5 6.5-5.5s5.7 1.9 6.5 5.5"/><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14.8c1.9.7 3.1 2.4 3.5 5.2"/>'),
  search: wrap('<circle cx="11" cy="11" r="6.5"/><path d="m20 20-4.2-4.2"/>'),
  chevronDown: wrap('<path d="m6 9 6 6 6-6"/>'),
  chevronLeft: wrap('<path d="m15 6-6 6 6 6"/>'),
  chevronRight: wrap('<path d="m9 6 6 6-6 6"/>'),
  lock: wrap('<rect x="5" y="11" width="14" height="9" rx="1.5"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>'),
  logout: wrap('<path d="M15 4h4v16h-4"/><path d="M10 8l-4 4 4 4M6 12h10"/>'),
  globe: wrap('<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z"/>'),
  alert: wrap('<path d="M12 3 2 20h20L12 3z"/><path d="M12 10v4.5M12 17.5v.01"/>'),
  bell: wrap('<path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z"/><path d="M10 20.5a2 2 0 0 0 4 0"/>'),
  chart: wrap('<path d="M4 20h16"/><path d="M6 16v-5M10 16V7M14 16v-7M18 16V4"/>'),
  sound: wrap('<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"/>'),
  mute: wrap('<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="m16 10 5 5M21 10l-5 5"/>'),
  incident: wrap('<path d="M7 17v-5a5 5 0 0 1 10 0v5"/><path d="M4.5 17h15v3.5h-15z"/><path d="M12 2.5v2M4.4 5.4l1.4 1.4M19.6 5.4l-1.4 1.4"/><path d="M12 10v4"/>'),
  site: wrap('<path d="M3 21V9l5 3V9l5 3V5h3l1 4h3v12z"/><path d="M3 21h18"/>'),
};
