"""Charts drawn on the server as SVG: no script, no style attribute, no network (the app works
offline and under a strict Content-Security-Policy). Every chart is an image with a title; the
page puts its numbers in a table beside it for screen readers and for copying."""

from markupsafe import Markup, escape

# Small on purpose: drawn at 420 units and shown at most 560 px wide, the text stays readable
# from a phone (about 11 px at 330 px wide) to a desk.
WIDTH, HEIGHT = 420, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 6, 34, 26
FONT = 15
COLOURS = ("#1f5fa8", "#e0a526", "#2f8f5b", "#b3412f", "#7b5ea7")


TICKS = 4


def _nice(top: int) -> int:
    """A round maximum for the axis at or above `top`, whose quarters are round too."""
    if top <= 0:
        return TICKS
    power = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            if factor * power * TICKS >= top and (factor * power) % 1 == 0:
                return int(factor * power * TICKS)
        power *= 10


def _short(value: int) -> str:
    """An axis label: 1.2 tỷ style would need the locale; thousands are enough: 25k, 3M, 2B."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            number = value / size
            return f"{number:.0f}{suffix}" if number == int(number) else f"{number:.1f}{suffix}"
    return str(value)


def bars(title: str, categories: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    """Grouped vertical bars: one group per category, one bar per series, a legend on top."""
    top = _nice(max([v for _name, values in series for v in values] + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for tick in range(TICKS + 1):
        value = top * tick // TICKS
        y = TOP + plot_h - plot_h * tick / TICKS
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d8dee8"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="{FONT - 1}" fill="#5b6675">{_short(value)}</text>')
    for i, category in enumerate(categories):
        x0 = LEFT + group_w * i + group_w * 0.1
        for j, (_name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / top
            parts.append(f'<rect x="{x0 + bar_w * j:.1f}" y="{TOP + plot_h - h:.1f}" '
                         f'width="{bar_w * 0.92:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(category)}: '
                         f'{escape(_name)} {value:,}</title></rect>')
        parts.append(f'<text x="{LEFT + group_w * (i + 0.5):.1f}" y="{HEIGHT - 8}" '
                     f'text-anchor="middle" font-size="{FONT}" fill="#1d2733">'
                     f'{escape(category)}</text>')
    x = LEFT
    for j, (name, _values) in enumerate(series):
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" '
                     f'fill="{COLOURS[j % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="19" font-size="{FONT}" fill="#1d2733">'
                     f'{escape(name)}</text>')
        x += 30 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def meter(title: str, done: int, target: int) -> Markup:
    """A progress bar of done against target (full, and marked, past the target)."""
    share = min(done / target, 1) if target else 0
    parts = [f'<svg class="meter" viewBox="0 0 400 20" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             '<rect x="0" y="2" width="400" height="16" rx="8" fill="#e6ebf2"/>',
             f'<rect x="0" y="2" width="{400 * share:.1f}" height="16" rx="8" '
             f'fill="{"#2f8f5b" if target and done >= target else "#1f5fa8"}"/>',
             "</svg>"]
    return Markup("".join(parts))


def funnel(title: str, steps: list[tuple[str, int]]) -> Markup:
    """Horizontal bars, one under its label per step: how many reached each step."""
    top = max([v for _n, v in steps] + [1])
    row_h, width = 42, WIDTH
    height = row_h * len(steps) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (name, value) in enumerate(steps):
        y = 2 + row_h * i
        w = (width - 70) * value / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="{FONT}" fill="#1d2733">'
                     f'{escape(name)}</text>')
        parts.append(f'<rect x="0" y="{y + 19}" width="{max(w, 2):.1f}" height="16" rx="3" '
                     f'fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{max(w, 2) + 6:.1f}" y="{y + 32}" font-size="{FONT}" '
                     f'fill="#1d2733">{value:,}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
