"""The shared front-end toolkit (static/js/common) in Chromium: one number format, the server's;
API errors shown one way; the DOM builder never parses text as HTML."""

from __future__ import annotations

import math
import random
import struct

import pytest

from engine.dot import format_number

pytestmark = pytest.mark.browser


def _numbers() -> list[float]:
    """Edges of the rule (1e-4, 1e9, exact ties that Python rounds to even), specials, and randoms."""
    fixed = [
        0.0,
        -0.0,
        1.0,
        -4.0,
        1.23456,
        0.03125,
        -0.03125,
        0.09375,
        2.5,
        0.00015,
        1e-4,
        9.9999e-5,
        0.00009999,
        1e-7,
        -1e-7,
        1e9,
        999999999.99996,
        999999999.4,
        1234450000.0,
        1234550000.0,
        5e-324,
        1.7976931348623157e308,
        12345.678,
        math.nan,
        math.inf,
        -math.inf,
        0.5,
        1.5,
        1e21,
        123456789012345678.0,
    ]
    rng = random.Random(15)
    drawn = [rng.uniform(-1, 1) * 10 ** rng.uniform(-12, 14) for _ in range(400)]
    drawn += [struct.unpack("d", struct.pack("Q", rng.getrandbits(63)))[0] for _ in range(100)]
    drawn += [k / 32 for k in range(-40, 40)] + [k / 2**14 for k in range(0, 3000, 7)]
    return fixed + [x for x in drawn if not math.isnan(x)]


def _js(x: float) -> object:
    """JSON has no NaN/Infinity: send them as strings the page turns back with Number()."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 and math.copysign(1, x) < 0:
        return "-0"
    return x


@pytest.fixture(scope="module")
def tool_page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/train")
    yield page
    context.close()
    assert not errors, errors


def test_fmt_is_the_servers_format_number(tool_page):
    numbers = _numbers()
    shown = tool_page.evaluate(
        """async (xs) => {
          const { fmt } = await import('/static/js/common/format.js');
          return xs.map((x) => [fmt(Number(x)), fmt(Number(x), 2), fmt(Number(x), 0)]);
        }""",
        [_js(x) for x in numbers],
    )
    wrong = [
        (x, got, [format_number(x), format_number(x, 2), format_number(x, 0)])
        for x, got in zip(numbers, shown)
        if got != [format_number(x), format_number(x, 2), format_number(x, 0)]
    ]
    assert not wrong, f"{len(wrong)} numbers shown unlike the server (x, page, server): {wrong[:8]}"


def test_short_forms(tool_page):
    got = tool_page.evaluate(
        """async () => {
          const f = await import('/static/js/common/format.js');
          return [f.short(1e-7), f.short(0.123456789), f.short(2.5e7), f.short(0.000123456, 3), f.short(NaN),
                  f.short(null), f.sci(1.5e-9), f.signed(0.1), f.signed(-0.1), f.percent(0.875), f.percent(1),
                  f.percent(null), f.count(12345), f.fmt(null), String(f.num('-Infinity'))];
        }"""
    )
    assert got == [
        "1.000e-07",
        "0.123457",
        "2.500e+07",
        "0.000123",
        "nan",
        "–",
        "1.5e-09",
        "+0.1000",
        "-0.1000",
        "87.5%",
        "100%",
        "–",
        "12,345",
        "–",
        "-Infinity",
    ]


def test_api_errors_name_the_line_and_column(tool_page):
    got = tool_page.evaluate(
        """async () => {
          const e = await import('/static/js/common/errors.js');
          const box = document.createElement('div');
          const located = e.fromDetail(400, {message: "unknown name 'q'", line: 3, column: 7});
          e.showError(box, located, [{label: 'Go to line', run: () => {}}]);
          const body = JSON.stringify({detail: {message: 'n_points: too many', line: null, column: null}});
          const plain = await e.toApiError(new Response(body, {status: 422}));
          const page = '<html>bad gateway</html>';
          const notJson = await e.toApiError(new Response(page, {status: 502, statusText: 'Bad Gateway'}));
          return [e.errorText(located), box.textContent, box.querySelector('button').textContent,
                  e.errorText(plain), plain.status, e.errorText(notJson), e.errorText(e.unreachable())];
        }"""
    )
    assert got == [
        "Line 3, column 7: unknown name 'q'",
        "Line 3, column 7: unknown name 'q'Go to line",
        "Go to line",
        "n_points: too many",
        422,
        "Server: The server answered 502 Bad Gateway",
        "The server cannot be reached. Is it still running?",
    ]


def test_h_never_parses_text_as_html(tool_page):
    got = tool_page.evaluate(
        """async () => {
          const { h } = await import('/static/js/common/dom.js');
          let clicked = 0;
          const b = h('button', {class: 'btn', onclick: () => clicked++, disabled: false, dataset: {k: '1'}},
                      '<img src=x onerror=alert(1)>', null, ['a', 'b']);
          b.click();
          return [b.innerHTML, b.className, b.dataset.k, b.hasAttribute('disabled'), clicked];
        }"""
    )
    assert got == ["&lt;img src=x onerror=alert(1)&gt;ab", "btn", "1", False, 1]
