"""Equations with the numbers plugged in, for a clicked neuron or edge, as LaTeX strings (read off a StepTrace)."""

from __future__ import annotations

import re

import numpy as np

from engine.config import Config
from engine.network import Net
from engine.optim import get_optimizer
from engine.trace import StepTrace
from viz.theme import tex_number

MAX_TERMS = 6
#: characters of printed math a line of the click panel holds when the caller does not say (a 360-px column)
LINE_CHARS = 40
_TEX_COMMAND = re.compile(r"\\(?:[a-zA-Z]+|.)|[{}&^_]")


def _p(value: float, digits: int = 4) -> str:
    """A number wrapped in parentheses when negative, for products."""
    return tex_number(value, digits, paren=True)


def _aligned(lhs: str, steps: list[str]) -> str:
    """Return lhs = step 1 = step 2 … as an aligned block, one step per line (fits a narrow panel)."""
    body = r" \\ ".join(("" if i == 0 else "&") + f"= {step}" if i else f"{lhs} &= {step}"
                          for i, step in enumerate(steps))
    return rf"\begin{{aligned}}{body}\end{{aligned}}"


def printed_length(tex: str) -> int:
    """Return roughly how many characters a LaTeX snippet prints (commands and braces dropped; a product dot
    or a command that prints a symbol counts one)."""
    return len(_TEX_COMMAND.sub(lambda m: "x" if m.group(0) in (r"\cdot", r"\cdots") else "", tex))


def _sum_terms(terms: list[str], line_chars: int = LINE_CHARS) -> str:
    """Return terms joined by +, at most MAX_TERMS of them, starting a new aligned line (indented) whenever the
    next term would print past `line_chars` characters, so a sum wraps inside a narrow panel."""
    if len(terms) > MAX_TERMS:
        terms = [*terms[: MAX_TERMS - 2], r"\cdots", terms[-1]]
    lines, room = [[]], line_chars - 6   # the first line starts after "z = "; later ones after an indent
    for term in terms:
        need = printed_length(term) + 3
        if lines[-1] and need > room:
            lines.append([])
            room = line_chars - 6
        lines[-1].append(term)
        room -= need
    return r" \\ &\qquad + ".join(" + ".join(line) for line in lines)


def neuron_equations(trace: StepTrace, net: Net, layer: int, j: int, sample: int = 0,
                     line_chars: int = LINE_CHARS) -> list[str]:
    """Return LaTeX lines z = Σ w·a + b, a = f(z), δ = … for neuron j of layer (0 = input) for one sample; sums
    wrap to lines of about `line_chars` printed characters."""
    s = min(sample, trace.x.shape[0] - 1)
    if layer == 0:
        return [rf"x_{{{j + 1}}} = {tex_number(trace.x[s, j])}"]
    L = len(trace.layers)
    lt = trace.layers[layer - 1]
    a_prev = trace.x[s] if layer == 1 else trace.layers[layer - 2].a[s]
    act = net.act(layer - 1, L)
    z, a, d = lt.z[s, j], lt.a[s, j], lt.delta[s, j]
    terms = [f"{_p(w)}\\cdot{_p(x)}" for w, x in zip(lt.W[j], a_prev)]
    symbolic = rf"\sum_k w_{{{j + 1}k}} a_k^{{({layer - 1})}} + b_{{{j + 1}}}"
    z_sum = _sum_terms([*terms, _p(lt.b[j])], line_chars)
    lines = [_aligned(rf"z_{{{j + 1}}}^{{({layer})}}", [symbolic, z_sum, tex_number(z)]),
             rf"a_{{{j + 1}}}^{{({layer})}} = {act.symbol}({tex_number(z)}) = {tex_number(a)}"]
    fprime = act.df(lt.z[s:s + 1], lt.a[s:s + 1])[0, j] if act.name != "softmax" else float("nan")
    if layer == L:
        t = trace.y[s, j]
        if net.loss.fused_output is not None:
            lines.append(rf"\delta_{{{j + 1}}}^{{({layer})}} = a - t = {tex_number(a)} - {_p(t)} = {tex_number(d, 5)}"
                         rf"\quad(\text{{{net.loss.label}}}\text{{ fused with }}{act.symbol})")
        else:
            dl = net.loss.dloss_da(lt.a[s:s + 1], trace.y[s:s + 1])[0, j]
            lines.append(_aligned(rf"\delta_{{{j + 1}}}^{{({layer})}}",
                                  [r"\frac{\partial \ell}{\partial a}\,f'(z)", rf"{_p(dl, 5)}\cdot{_p(fprime, 5)}",
                                   tex_number(d, 5)]))
        return lines
    nxt = trace.layers[layer]
    back = [f"{_p(w)}\\cdot{_p(dn, 5)}" for w, dn in zip(nxt.W[:, j], nxt.delta[s])]
    lines.append(_aligned(rf"\delta_{{{j + 1}}}^{{({layer})}}",
                          [rf"\Big(\sum_m w_{{m{j + 1}}}^{{({layer + 1})}}\delta_m^{{({layer + 1})}}\Big) f'(z)",
                           rf"\big({_sum_terms(back, line_chars)}\big) \\ &\qquad\cdot{_p(fprime, 5)}",
                           tex_number(d, 5)]))
    return lines


def edge_equations(trace: StepTrace, cfg: Config, layer: int, j: int, k: int,
                   line_chars: int = LINE_CHARS) -> list[str]:
    """Return LaTeX lines ∂L/∂w = mean(δ_j·a_k) (+ regularization), Δw and the new w for edge j ← k (k=−1: bias);
    sums wrap to lines of about `line_chars` printed characters."""
    lt = trace.layers[layer - 1]
    a_prev = trace.x if layer == 1 else trace.layers[layer - 2].a
    B = trace.x.shape[0]
    delta = lt.delta[:, j]
    bias = k < 0
    inputs = np.ones(B) if bias else a_prev[:, k]
    name = rf"b_{{{j + 1}}}^{{({layer})}}" if bias else rf"w_{{{j + 1}{k + 1}}}^{{({layer})}}"
    w = lt.b[j] if bias else lt.W[j, k]
    g = lt.grad_b[j] if bias else lt.grad_W[j, k]
    u = lt.update_b[j] if bias else lt.update_W[j, k]
    data_grad = float(np.mean(delta * inputs))
    # the same superscripts as the neuron panel: δ of this layer, a of the layer before; a bias multiplies 1
    delta_tex = rf"\delta_{{{j + 1}}}^{{({layer})}}"
    source = "1" if bias else rf"a_{{{k + 1}}}^{{({layer - 1})}}"
    if B <= 3:
        prods = _sum_terms([f"{_p(d, 5)}\\cdot{_p(x)}" for d, x in zip(delta, inputs)], line_chars)
        middle = rf"\tfrac{{1}}{{{B}}}\big({prods}\big)" if B > 1 else prods
    else:
        each = r"\cdot 1" if bias else rf"\,a_{{{k + 1},i}}^{{({layer - 1})}}"
        middle = rf"\tfrac{{1}}{{{B}}}\textstyle\sum_{{i=1}}^{{{B}}}\delta_{{{j + 1},i}}^{{({layer})}}{each}"
    lhs = rf"\frac{{\partial L}}{{\partial {name}}}"
    lines = [_aligned(lhs, [rf"\operatorname{{mean}}_i\big({delta_tex}\cdot {source}\big)", middle,
                            tex_number(data_grad, 6)])]
    if not bias and (cfg.l1 or cfg.l2):
        lines.append(rf"{lhs} \mathrel{{+}}= \lambda_2 w + \lambda_1\operatorname{{sign}}(w)"
                     rf" = {tex_number(g - data_grad, 5)}\ \Rightarrow\ {tex_number(g, 6)}")
    plain_sgd = cfg.optimizer == "sgd" and not cfg.clip_norm and not cfg.clip_value
    if bias and not cfg.train_biases:
        lines.append(r"\Delta b = 0\quad(\text{biases are frozen})")
    elif plain_sgd:
        lines.append(_aligned(rf"\Delta {name}", [rf"-\eta\,{lhs}", rf"-{_p(trace.lr)}\cdot{_p(g, 6)}",
                                                   tex_number(u, 6)]))
    else:
        rule = get_optimizer(cfg.optimizer)
        clip = ", after clipping" if (cfg.clip_norm or cfg.clip_value) else ""
        lines.append(rf"\text{{{rule.label}: }}{rule.tex}")
        lines.append(rf"\Delta {name} = {tex_number(u, 6)}"
                     rf"\quad(\text{{{rule.label}{clip}, }}\eta = {tex_number(trace.lr)})")
    lines.append(rf"{name}\leftarrow {tex_number(w, 6)} + {_p(u, 6)} = {tex_number(w + u, 6)}")
    return lines
