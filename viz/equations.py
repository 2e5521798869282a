"""Equations with the numbers plugged in, for a clicked neuron or edge, as LaTeX strings (read off a StepTrace)."""

from __future__ import annotations

import re

import numpy as np

from engine.config import Config
from engine.network import BN_EPS, Net
from engine.optim import get_optimizer
from engine.trace import LayerTrace, StepTrace
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


def _wrap(first: str, rest: str, line_chars: int) -> str:
    """Return first and rest on one aligned line, or rest on an indented line of its own when both don't fit."""
    if printed_length(first + rest) + 4 <= line_chars:
        return f"{first} {rest}"
    return rf"{first} \\ &\qquad {rest}"


def neuron_equations(trace: StepTrace, net: Net, layer: int, j: int, sample: int = 0,
                     line_chars: int = LINE_CHARS) -> list[str]:
    """Return LaTeX lines z = Σ w·a + b, (batch norm x̂, y,) a = f(·), (dropout ã,) δ = … for neuron j of layer
    (0 = input) for one sample, each with the numbers of that step; sums wrap to about `line_chars` characters."""
    s = min(sample, trace.x.shape[0] - 1)
    if layer == 0:
        return [rf"x_{{{j + 1}}} = {tex_number(trace.x[s, j])}"]
    L = len(trace.layers)
    lt = trace.layers[layer - 1]
    act = net.act(layer - 1, L)
    lines = [_z_line(trace, layer, j, s, line_chars), *_batch_norm_forward(lt, layer, j, s)]
    of_y = rf" = {act.symbol}(y)" if lt.bn is not None else ""   # with batch norm f acts on y, not z
    lines.append(rf"a_{{{j + 1}}}^{{({layer})}}{of_y} = {act.symbol}({tex_number(lt.y[s, j])})"
                 rf" = {tex_number(lt.a[s, j])}")
    lines += _dropout_forward(lt, layer, j, s)
    if layer == L:
        return lines + _output_delta(trace, net, j, s)
    return lines + _hidden_delta(trace, net, layer, j, s, line_chars) + _batch_norm_backward(lt, layer, j, s,
                                                                                             line_chars)


def _z_line(trace: StepTrace, layer: int, j: int, s: int, line_chars: int) -> str:
    """z_j = Σ_k w_jk a_k + b_j with the numbers; a_k is what the layer before passed on (after dropout)."""
    lt = trace.layers[layer - 1]
    a_prev = trace.x[s] if layer == 1 else trace.layers[layer - 2].a_next[s]
    terms = [f"{_p(w)}\\cdot{_p(x)}" for w, x in zip(lt.W[j], a_prev)]
    symbolic = rf"\sum_k w_{{{j + 1}k}} a_k^{{({layer - 1})}} + b_{{{j + 1}}}"
    return _aligned(rf"z_{{{j + 1}}}^{{({layer})}}", [symbolic, _sum_terms([*terms, _p(lt.b[j])], line_chars),
                                                     tex_number(lt.z[s, j])])


def _batch_norm_forward(lt: LayerTrace, layer: int, j: int, s: int) -> list[str]:
    """(N1) x̂ = (z − μ_B)/√(σ²_B + ε) and (N2) y = γx̂ + β with the numbers; [] without batch norm."""
    bn = lt.bn
    if bn is None:
        return []
    whose = (rf"\text{{(mean, variance of z over the batch of {lt.z.shape[0]})}}" if bn.from_batch
             else r"\text{(running statistics: one sample has no spread)}")
    mu, var = bn.mean[j], bn.var[j]
    eps = f"10^{{{round(np.log10(BN_EPS))}}}"
    return [rf"\mu_B = {tex_number(mu)},\quad \sigma_B^2 = {tex_number(var)}", whose,
            _aligned(rf"\hat x_{{{j + 1}}}^{{({layer})}}", [
                r"\dfrac{z-\mu_B}{\sqrt{\sigma_B^2+\varepsilon}}",
                rf"\dfrac{{{tex_number(lt.z[s, j])} - {_p(mu)}}}{{\sqrt{{{tex_number(var)} + {eps}}}}}",
                tex_number(bn.x_hat[s, j])]),
            _aligned(rf"y_{{{j + 1}}}^{{({layer})}}", [r"\gamma\,\hat x + \beta",
                                                     rf"{_p(bn.gamma[j])}\cdot{_p(bn.x_hat[s, j])} + {_p(bn.beta[j])}",
                                                     tex_number(bn.y[s, j])])]


def _dropout_forward(lt: LayerTrace, layer: int, j: int, s: int) -> list[str]:
    """(D) ã = m·a/(1 − p) with the numbers; [] without dropout."""
    if lt.mask is None:
        return []
    m, p = lt.mask[s, j], lt.dropout
    lhs = rf"\tilde a_{{{j + 1}}}^{{({layer})}} = \frac{{m\,a}}{{1-p}} = \frac{{{m:g}\cdot{_p(lt.a[s, j])}}}{{1-{p:g}}}"
    line = rf"{lhs} = {tex_number(lt.a_next[s, j])}"
    return [line, r"\text{(dropped in this step: it passes nothing on)}"] if m == 0 else [line]


def _output_delta(trace: StepTrace, net: Net, j: int, s: int) -> list[str]:
    """δ^L = a − t (fused) or ∂ℓ/∂a · f′(z) with the numbers."""
    L = len(trace.layers)
    lt = trace.layers[L - 1]
    act = net.output
    a, d, t = lt.a[s, j], lt.delta[s, j], trace.y[s, j]
    if net.loss.fused_output is not None:
        return [rf"\delta_{{{j + 1}}}^{{({L})}} = a - t = {tex_number(a)} - {_p(t)} = {tex_number(d, 5)}"
                rf"\quad(\text{{{net.loss.label}}}\text{{ fused with }}{act.symbol})"]
    fprime = act.df(lt.z[s:s + 1], lt.a[s:s + 1])[0, j]
    dl = net.loss.dloss_da(lt.a[s:s + 1], trace.y[s:s + 1])[0, j]
    return [_aligned(rf"\delta_{{{j + 1}}}^{{({L})}}", [r"\frac{\partial \ell}{\partial a}\,f'(z)",
                                                      rf"{_p(dl, 5)}\cdot{_p(fprime, 5)}", tex_number(d, 5)])]


def _hidden_delta(trace: StepTrace, net: Net, layer: int, j: int, s: int, line_chars: int) -> list[str]:
    """(B2) δ = (Σ_m w_mj δ_m) · [m/(1 − p)] · f′ with the numbers; δ at y with batch norm."""
    lt, nxt = trace.layers[layer - 1], trace.layers[layer]
    fprime = net.hidden.df(lt.y[s:s + 1], lt.a[s:s + 1])[0, j]
    back = [f"{_p(w)}\\cdot{_p(dn, 5)}" for w, dn in zip(nxt.W[:, j], nxt.delta[s])]
    at = "y" if lt.bn is not None else "z"
    lhs = rf"\delta_{{{'y,' if lt.bn is not None else ''}{j + 1}}}^{{({layer})}}"
    value = lt.bn.delta_y[s, j] if lt.bn is not None else lt.delta[s, j]
    total = rf"\Big(\sum_m w_{{m{j + 1}}}^{{({layer + 1})}}\delta_m^{{({layer + 1})}}\Big)"
    if lt.mask is None:
        return [_aligned(lhs, [rf"{total} f'({at})",
                               rf"\big({_sum_terms(back, line_chars)}\big) \\ &\qquad\cdot{_p(fprime, 5)}",
                               tex_number(value, 5)])]
    m, p = lt.mask[s, j], lt.dropout
    factor = rf"\tfrac{{{m:g}}}{{1-{p:g}}}"
    line = _aligned(lhs, [rf"{total}\,\frac{{m}}{{1-p}}\,f'({at})",
                          rf"\big({_sum_terms(back, line_chars)}\big) \\ &\qquad\cdot{factor}\cdot{_p(fprime, 5)}",
                          tex_number(value, 5)])
    why = r"\text{dropout mask } m = 0\text{: the error that reaches a dropped neuron is } 0"
    return [line, why] if m == 0 else [line]


def _batch_norm_backward(lt: LayerTrace, layer: int, j: int, s: int, line_chars: int) -> list[str]:
    """(NB) δ at z from δ at y by the three-term formula, and ∂L/∂γ, ∂L/∂β, γ and β after the update; [] without
    batch norm."""
    bn = lt.bn
    if bn is None:
        return []
    dy, xh = bn.delta_y[:, j], bn.x_hat[:, j]
    scale = bn.gamma[j] / np.sqrt(bn.var[j] + BN_EPS)
    lhs = rf"\delta_{{{j + 1}}}^{{({layer})}}"
    if bn.from_batch:
        steps = [r"\frac{\gamma}{\sqrt{\sigma_B^2+\varepsilon}}\Big(\delta_y - \overline{\delta_y} - "
                 r"\hat x\,\overline{\delta_y\,\hat x}\Big)",
                 _wrap(rf"{_p(scale, 5)}\big({tex_number(dy[s], 5)} - {_p(dy.mean(), 5)}",
                       rf"- {_p(xh[s])}\cdot{_p((dy * xh).mean(), 5)}\big)", line_chars),
                 tex_number(lt.delta[s, j], 5)]
    else:
        steps = [r"\frac{\gamma}{\sqrt{\sigma^2+\varepsilon}}\,\delta_y", rf"{_p(scale, 5)}\cdot{_p(dy[s], 5)}",
                 tex_number(lt.delta[s, j], 5)]
    lines = [_aligned(lhs, steps)]
    if bn.from_batch:
        lines.append(r"\text{(bars: means over the batch; the last two terms are the paths through }\mu_B"
                     r"\text{ and }\sigma_B^2)")
    if bn.from_batch and lt.mask is not None and lt.mask[s, j] == 0:
        lines.append(r"\text{dropped: }\delta_y = 0\text{, yet }\delta \neq 0\text{: }\mu_B\text{ and }"
                     r"\sigma_B^2\text{ tie it to the samples that kept this neuron}")
    g_new, b_new = bn.gamma[j] + bn.update_gamma[j], bn.beta[j] + bn.update_beta[j]
    lines += [rf"\frac{{\partial L}}{{\partial \gamma_{{{j + 1}}}}} = \overline{{\delta_y\,\hat x}} = "
              rf"{tex_number(bn.grad_gamma[j], 5)},\quad \frac{{\partial L}}{{\partial \beta_{{{j + 1}}}}} = "
              rf"\overline{{\delta_y}} = {tex_number(bn.grad_beta[j], 5)}",
              rf"\gamma \leftarrow {tex_number(bn.gamma[j], 5)} + {_p(bn.update_gamma[j], 5)} = {tex_number(g_new, 5)},"
              rf"\quad \beta \leftarrow {tex_number(bn.beta[j], 5)} + {_p(bn.update_beta[j], 5)} = "
              rf"{tex_number(b_new, 5)}"]
    return lines


def edge_equations(trace: StepTrace, cfg: Config, layer: int, j: int, k: int,
                   line_chars: int = LINE_CHARS) -> list[str]:
    """Return LaTeX lines ∂L/∂w = mean(δ_j·a_k) (+ regularization), Δw and the new w for edge j ← k (k=−1: bias);
    sums wrap to about `line_chars` printed characters."""
    lt = trace.layers[layer - 1]
    a_prev = trace.x if layer == 1 else trace.layers[layer - 2].a_next
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
    if bias and lt.bn is not None:
        lines.append(r"\text{batch norm subtracts the batch mean of } z\text{, so } b \text{ cancels: }"
                     r"\partial L/\partial b = \operatorname{mean}_i \delta_i = 0\text{ (up to rounding)}")
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
