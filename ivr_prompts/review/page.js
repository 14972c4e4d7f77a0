(() => {
  "use strict";
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const rows = $$(".row");
  const RATE = 8000;

  // G.711 decoding (ITU-T G.711, as in its reference g711.c): 256-entry tables.
  const TABLES = {
    ulaw: Int16Array.from({ length: 256 }, (_, code) => {
      const u = ~code & 0xff;
      const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
      return u & 0x80 ? 0x84 - t : t - 0x84;
    }),
    alaw: Int16Array.from({ length: 256 }, (_, code) => {
      const a = code ^ 0x55;
      const seg = (a & 0x70) >> 4;
      let t = (a & 0x0f) << 4;
      if (seg === 0) t += 8;
      else t = (t + 0x108) << (seg - 1);
      return a & 0x80 ? t : -t;
    }),
  };

  // Clips come inline (<script type="application/octet-stream" id="clip-KEY">), or, for big sets,
  // one small script per clip in the folder named by <body data-clips>, loaded when needed:
  // a <script src> works from file:// in every browser, where fetch() does not.
  const folder = document.body.dataset.clips || "";
  const stored = new Map();
  const pending = new Map();
  function put(key, codec, text) { stored.set(key, { codec, text }); }
  function ensure(key) {
    if (stored.has(key) || document.getElementById("clip-" + key)) return Promise.resolve();
    if (!pending.has(key)) {
      pending.set(key, new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${folder}/${key}.js`;
        script.onload = () => resolve();
        script.onerror = () => reject(new Error(`review page: cannot load ${script.src}`));
        document.head.appendChild(script);
      }));
    }
    return pending.get(key);
  }

  const samplesCache = new Map();
  function samples(key) {
    if (samplesCache.has(key)) return samplesCache.get(key);
    const node = document.getElementById("clip-" + key);
    const clip = node ? { codec: node.dataset.codec, text: node.textContent } : stored.get(key);
    const bin = atob(clip.text.trim());
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    let pcm;
    if (clip.codec === "pcm16") {
      pcm = new Int16Array(bytes.length >> 1);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(2 * i, true);
    } else {
      const table = TABLES[clip.codec];
      pcm = new Int16Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) pcm[i] = table[bytes[i]];
    }
    samplesCache.set(key, pcm);
    return pcm;
  }
  window.ivrReview = { put, samples };

  // 16-bit PCM WAV at 8 kHz: the encoding every current browser plays.
  const urlCache = new Map();
  function wavUrl(key) {
    if (urlCache.has(key)) return urlCache.get(key);
    const pcm = samples(key);
    const buf = new ArrayBuffer(44 + pcm.length * 2);
    const v = new DataView(buf);
    const text = (at, s) => { for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i)); };
    text(0, "RIFF"); v.setUint32(4, 36 + pcm.length * 2, true); text(8, "WAVE");
    text(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, RATE, true); v.setUint32(28, RATE * 2, true); v.setUint16(32, 2, true);
    v.setUint16(34, 16, true); text(36, "data"); v.setUint32(40, pcm.length * 2, true);
    new Int16Array(buf, 44).set(pcm);
    const url = URL.createObjectURL(new Blob([buf], { type: "audio/wav" }));
    urlCache.set(key, url);
    return url;
  }

  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    return canvas.getContext("2d");
  }

  function drawWave(canvas, pcm) {
    const ctx = fitCanvas(canvas);
    const { width: w, height: h } = canvas;
    ctx.fillStyle = "#c9d3ea";
    ctx.fillRect(0, h / 2, w, 1);
    ctx.fillStyle = "#2f5fd0";
    const per = pcm.length / w;
    for (let x = 0; x < w; x++) {
      let lo = 0, hi = 0;
      const end = Math.min(pcm.length, Math.floor((x + 1) * per));
      for (let i = Math.floor(x * per); i < end; i++) {
        if (pcm[i] < lo) lo = pcm[i];
        if (pcm[i] > hi) hi = pcm[i];
      }
      const top = h / 2 - (hi / 32768) * (h / 2);
      const bottom = h / 2 - (lo / 32768) * (h / 2);
      ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }

  // Radix-2 FFT of 256 points (32 ms at 8 kHz), Hann window; 0..4 kHz on the vertical axis.
  const N = 256;
  const hann = Float64Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
  function power(pcm, center, re, im) {
    for (let i = 0; i < N; i++) {
      const j = center - N / 2 + i;
      re[i] = j >= 0 && j < pcm.length ? (pcm[j] / 32768) * hann[i] : 0;
      im[i] = 0;
    }
    for (let i = 1, j = 0; i < N; i++) {
      let bit = N >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) { [re[i], re[j]] = [re[j], re[i]]; }
    }
    for (let len = 2; len <= N; len <<= 1) {
      const ang = (-2 * Math.PI) / len;
      for (let i = 0; i < N; i += len) {
        for (let k = 0; k < len / 2; k++) {
          const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
          const a = i + k, b = a + len / 2;
          const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr; im[b] = im[a] - xi; re[a] += xr; im[a] += xi;
        }
      }
    }
    const out = new Float64Array(N / 2 + 1);
    for (let k = 0; k <= N / 2; k++) out[k] = 10 * Math.log10(re[k] * re[k] + im[k] * im[k] + 1e-12);
    return out;
  }
  const STOPS = [[11, 13, 26], [58, 24, 110], [160, 45, 110], [240, 110, 60], [252, 230, 150]];
  function color(t) {
    const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    const i = Math.min(STOPS.length - 2, Math.floor(x));
    const f = x - i;
    return STOPS[i].map((c, n) => Math.round(c + (STOPS[i + 1][n] - c) * f));
  }
  function drawSpec(canvas, pcm) {
    const ctx = fitCanvas(canvas);
    const { width: w, height: h } = canvas;
    const re = new Float64Array(N), im = new Float64Array(N);
    const cols = [];
    let top = -Infinity;
    for (let x = 0; x < w; x++) {
      const col = power(pcm, Math.round(((x + 0.5) / w) * pcm.length), re, im);
      for (const d of col) if (d > top) top = d;
      cols.push(col);
    }
    const range = 70;
    const img = ctx.createImageData(w, h);
    for (let x = 0; x < w; x++) {
      for (let y = 0; y < h; y++) {
        const bin = Math.round((1 - (y + 0.5) / h) * (N / 2));
        const [r, g, b] = color((cols[x][bin] - (top - range)) / range);
        const at = (y * w + x) * 4;
        img.data[at] = r; img.data[at + 1] = g; img.data[at + 2] = b; img.data[at + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    // The telephone band (300-3400 Hz), dashed.
    ctx.strokeStyle = "rgba(255,255,255,0.45)";
    ctx.setLineDash([4, 4]);
    for (const hz of [300, 3400]) {
      const y = Math.round((1 - hz / 4000) * h) + 0.5;
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke();
    }
  }

  async function hydrate(row) {
    const players = $$("audio[data-clip]", row);
    try {
      await Promise.all(players.map((a) => ensure(a.dataset.clip)));
    } catch (err) {
      row.classList.add("broken");
      console.error(String(err));
      return;
    }
    for (const audio of players) {
      if (!audio.src) {
        audio.preload = "metadata";
        audio.src = wavUrl(audio.dataset.clip);
      }
    }
    if (row.classList.contains("collapsed") || row.dataset.drawn) return;
    row.dataset.drawn = "1";
    for (const fig of $$("figure.ver", row)) {
      const audio = fig.querySelector("audio[data-clip]");
      if (!audio) continue;
      const pcm = samples(audio.dataset.clip);
      drawWave(fig.querySelector(".wave canvas"), pcm);
      drawSpec(fig.querySelector(".spec canvas"), pcm);
    }
  }

  // Lazy: a row's audio is decoded and its pictures drawn only when it comes near the screen.
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) hydrate(e.target);
  }, { rootMargin: "600px 0px" });
  rows.forEach((r) => observer.observe(r));

  function toggle(row, open) {
    row.classList.toggle("collapsed", open === undefined ? undefined : !open);
    hydrate(row);
  }

  // Players: one at a time; a playhead on the waveform; a click on the waveform seeks.
  document.addEventListener("play", (e) => {
    for (const a of $$("audio")) if (a !== e.target) a.pause();
    const fig = e.target.closest("figure");
    fig.classList.add("playing");
    const head = fig.querySelector(".playhead");
    const step = () => {
      if (head && e.target.duration) head.style.left = (100 * e.target.currentTime) / e.target.duration + "%";
      if (!e.target.paused) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }, true);
  document.addEventListener("pause", (e) => e.target.closest("figure").classList.remove("playing"), true);
  for (const wave of $$(".wave")) {
    wave.addEventListener("click", (e) => {
      const audio = wave.closest("figure").querySelector("audio");
      const fraction = e.offsetX / wave.clientWidth;
      hydrate(wave.closest(".row")).then(() => {
        const at = fraction * (audio.duration || 0);
        if (Number.isFinite(at)) audio.currentTime = at;
        audio.play();
      });
    });
  }
  for (const row of rows) {
    row.querySelector(".head").addEventListener("click", (e) => {
      if (e.target.closest("audio")) return;
      toggle(row);
      select(row);
    });
  }

  // Filters: locale, status (or "warning"), text.
  const fLocale = document.getElementById("f-locale");
  const fStatus = document.getElementById("f-status");
  const fText = document.getElementById("f-text");
  const shown = document.getElementById("shown");
  function apply() {
    const loc = fLocale.value, st = fStatus.value, q = fText.value.trim().toLowerCase();
    let n = 0;
    for (const row of rows) {
      const ok = (!loc || row.dataset.locale === loc)
        && (!st || (st === "warning" ? row.dataset.warnings !== "0" : row.dataset.status === st))
        && (!q || row.dataset.search.includes(q));
      row.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = `showing ${n} of ${rows.length}`;
    document.getElementById("empty").hidden = n > 0;
    for (const chip of $$(".chip")) chip.classList.toggle("active", chip.dataset.filterStatus === st);
  }
  [fLocale, fStatus].forEach((el) => el.addEventListener("change", apply));
  fText.addEventListener("input", apply);
  for (const chip of $$(".chip")) {
    chip.addEventListener("click", () => {
      fStatus.value = fStatus.value === chip.dataset.filterStatus ? "" : chip.dataset.filterStatus;
      apply();
    });
  }
  const expandAll = document.getElementById("expand-all");
  expandAll.addEventListener("click", () => {
    const open = expandAll.dataset.open !== "1";
    expandAll.dataset.open = open ? "1" : "";
    expandAll.textContent = open ? "collapse unchanged" : "expand all";
    for (const r of rows) {
      r.classList.toggle("collapsed", !open && r.dataset.status === "unchanged");
      // Observing again reports rows already on screen, which then draw.
      observer.unobserve(r);
      observer.observe(r);
    }
  });

  // Keyboard: j/k move between visible rows, space plays, b plays the before, o opens.
  let current = null;
  function select(row) {
    if (current) current.classList.remove("current");
    current = row;
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    hydrate(row);
  }
  function play(row, version) {
    const audio = row.querySelector(`audio[data-version="${version}"]`) || row.querySelector("audio");
    if (!audio) return;
    hydrate(row).then(() => (audio.paused ? audio.play() : audio.pause()));
  }
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    const visible = rows.filter((r) => !r.hidden);
    const at = visible.indexOf(current);
    if (e.key === "j" || e.key === "k") {
      const next = visible[e.key === "j" ? Math.min(visible.length - 1, at + 1) : Math.max(0, at - 1)];
      if (next) select(next);
    } else if (e.key === " " && current) {
      play(current, "after");
    } else if (e.key === "b" && current) {
      play(current, "before");
    } else if ((e.key === "o" || e.key === "Enter") && current) {
      toggle(current);
      current.scrollIntoView({ block: "nearest" });
    } else if (e.key === "/") {
      fText.focus();
    } else {
      return;
    }
    e.preventDefault();
  });

  apply();
})();
