// The boxes of the visible controls, for tests/layout.py: each clipped to its scrolling/clipping
// ancestors and the viewport, grown to cover its own text (which may overflow the box), named.
// Called as page.evaluate(source, [selector, ignoredSelectors]).
([selector, ignore]) => {
  const ignored = (el) => ignore.some((sel) => el.closest(sel));
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    for (let a = el; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.visibility === 'hidden' || s.display === 'none' || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  const clip = (el, r) => {
    let box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
        const c = a.getBoundingClientRect();
        if (s.overflowX !== 'visible') { box.left = Math.max(box.left, c.left); box.right = Math.min(box.right, c.right); }
        if (s.overflowY !== 'visible') { box.top = Math.max(box.top, c.top); box.bottom = Math.min(box.bottom, c.bottom); }
      }
      if (s.position === 'fixed') break;
    }
    box.left = Math.max(box.left, 0); box.top = Math.max(box.top, 0);
    box.right = Math.min(box.right, innerWidth); box.bottom = Math.min(box.bottom, innerHeight);
    return box;
  };
  const textRect = (el) => {
    // The rectangle of the element's own text nodes (not those of nested controls).
    let rect = null;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const owner = node.parentElement.closest('button, select, textarea, a[href], label, output');
      if (owner && owner !== el) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (!r.width || !r.height) continue;
        rect = rect ? {left: Math.min(rect.left, r.left), top: Math.min(rect.top, r.top),
                       right: Math.max(rect.right, r.right), bottom: Math.max(rect.bottom, r.bottom)} : {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
      }
    }
    return rect;
  };
  const name = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const text = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 30);
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  };
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (ignored(el) || !visible(el)) continue;
    let r = el.getBoundingClientRect();
    r = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    const t = textRect(el);
    if (t) r = {left: Math.min(r.left, t.left), top: Math.min(r.top, t.top), right: Math.max(r.right, t.right), bottom: Math.max(r.bottom, t.bottom)};
    const raw = r;
    const box = clip(el, r);
    if (box.right - box.left < 1 || box.bottom - box.top < 1) continue;
    out.push({index: out.length, name: name(el), box, raw, el});
  }
  // Pairs that are one inside the other (a label around its select) may overlap: that is nesting.
  const pairs = [];
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i], b = out[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
      const h = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
      if (w > 1 && h > 1) pairs.push([a.name, b.name, Math.round(w), Math.round(h)]);
    }
  }
  const offscreen = out.filter((o) => o.raw.right > innerWidth + 1 || o.raw.left < -1).map((o) => [o.name, Math.round(o.raw.left), Math.round(o.raw.right)]);
  return {count: out.length, pairs, offscreen};
}
