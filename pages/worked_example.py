"""Worked example: one iteration of the textbook 2-2-2 network, every number and every chain-rule product."""

import streamlit as st

from engine.worked import (
    TEXTBOOK,
    WorkedNumbers,
    build_trainer,
    error_after,
    finite_differences,
    first_step,
    forward_numbers,
    hidden_chain,
    loss_curve,
    output_chain,
    output_path,
    outputs_after,
    update_rows,
)
from ui.session import current_style
from viz import worked as vw

#: the editable numbers as rows of (name, label) on screen
ROWS = (
    (("i1", "input i1"), ("i2", "input i2"), ("t1", "target t_o1"), ("t2", "target t_o2"), ("lr", "learning rate η")),
    (("w1", "w1 (i1→h1)"), ("w2", "w2 (i2→h1)"), ("w3", "w3 (i1→h2)"), ("w4", "w4 (i2→h2)"), ("b1", "b1 (hidden)")),
    (("w5", "w5 (h1→o1)"), ("w6", "w6 (h2→o1)"), ("w7", "w7 (h1→o2)"), ("w8", "w8 (h2→o2)"), ("b2", "b2 (output)")),
)
LIMITS = {"t1": (0.0, 1.0), "t2": (0.0, 1.0), "lr": (1e-4, 100.0)}


def reset_numbers() -> None:
    for name, value in TEXTBOOK.to_dict().items():
        st.session_state[f"we_{name}"] = value


def number_inputs() -> WorkedNumbers:
    values = {}
    for row in ROWS:
        for col, (name, label) in zip(st.columns(len(row)), row):
            lo, hi = LIMITS.get(name, (-100.0, 100.0))
            values[name] = col.number_input(label, lo, hi, value=getattr(TEXTBOOK, name), step=0.01,
                                            format="%.6g", key=f"we_{name}", persist_state="session")
    st.button("Reset to the textbook values", key="we_reset", on_click=reset_numbers)
    return WorkedNumbers.from_dict(values)


def cached(slot: str, key: tuple, build):
    """Return session_state[slot]'s object when it was built for `key`, else build and keep a new one."""
    held = st.session_state.get(slot)
    if held is None or held[0] != key:
        st.session_state[slot] = (key, build())
    return st.session_state[slot][1]


style = current_style()
em = min(1.6 * style.font / 16, 1.9)  # wider would overflow the longest line on a 1600-px screen
st.html(f"<style>.katex {{ font-size: {em:.2f}em !important; }} [data-testid='stMetricValue'] "
        f"{{ font-size: {2.2 * em:.2f}rem; }}</style>")
st.title("Worked example: one step of backprop on the 2-2-2 network")

top_left, top_right = st.columns([3, 2], gap="large")
with top_right:
    st.markdown("#### Your own numbers")
    numbers = number_inputs()
    train_biases = st.toggle("Also update the biases (as PyTorch's optimizer.step() does)", key="we_biases",
                             persist_state="session")
    show_fd = st.toggle("Show finite-difference gradients next to every analytic one", key="we_fd",
                        persist_state="session")

try:
    trainer, trace = cached("we_step", (numbers, train_biases), lambda: first_step(numbers, train_biases))
except ValueError as e:
    st.error(f"These numbers can't be used: {e}. Showing the last numbers that worked.")
    trainer, trace = cached("we_step", st.session_state.get("we_step", ((TEXTBOOK, False),))[0],
                            lambda: first_step(TEXTBOOK, False))
key = st.session_state["we_step"][0]
if not trace.ok:
    st.warning("The gradient is not a finite number with these weights, so the update was not applied.")

fw = forward_numbers(trainer, trace)
out_chain, hid_chain = output_chain(trainer, trace), hidden_chain(trainer, trace)
numeric = finite_differences(trainer, trace) if show_fd else None
with top_left:
    st.plotly_chart(vw.worked_network(trace, fw, style), key="we_network", config={"displayModeBar": False})

st.header("1 · Forward pass")
for block in vw.forward_lines(fw, trace):
    st.latex(block)
st.header("2 · Error")
for line in vw.error_lines(fw):
    st.latex(line)

st.header("3 · Backward pass, output layer (w5 … w8)")
for group in vw.output_layer_blocks(out_chain, fw.targets, trace.lr, numeric):
    for block in group:
        st.latex(block)

st.header("4 · Backward pass, hidden layer (w1 … w4)")
st.info("Each hidden neuron feeds both outputs, so ∂E/∂out_h is a sum over the two paths. The paths use the "
        "**original** w5 … w8 (the ones of the forward pass), not the updated ones.")
for group in vw.hidden_layer_blocks(hid_chain, trace.lr, numeric):
    for block in group:
        st.latex(block)
if train_biases:
    st.markdown("**Biases** (one per neuron, as in PyTorch's `nn.Linear`): ∂E/∂b = δ")
    for line in vw.bias_lines((hid_chain, out_chain), trace, trace.lr):
        st.latex(line)

st.header("5 · Update")
st.plotly_chart(vw.update_table(update_rows(trace, numeric, train_biases), style, numeric is not None),
                key="we_table", config={"displayModeBar": False})
after = outputs_after(trainer, trace)
m = st.columns(4)
m[0].metric("E_total before the update", vw.num(trace.loss))
m[1].metric("E_total after the update", vw.num(error_after(trace)), vw.num(error_after(trace) - trace.loss),
            delta_color="inverse")
m[2].metric("out_o1 after (target " + f"{fw.targets[0]:g})", vw.num(after[0]))
m[3].metric("out_o2 after (target " + f"{fw.targets[1]:g})", vw.num(after[1]))

st.header("Keep training")
train = cached("we_train", key, lambda: build_trainer(*key))
c = st.columns([2, 1, 1, 3])
n = c[0].number_input("iterations to run", 1, 10_000, 10_000, step=100, key="we_n")
if c[1].button("Keep training", key="we_run", type="primary"):
    bar = st.progress(0.0, text="training …")
    train.run(int(n), lambda done, total: bar.progress(done / total, text=f"{done} / {total} iterations"))
    bar.empty()
if c[2].button("Start over", key="we_restart"):
    train = build_trainer(*key)
    st.session_state["we_train"] = (key, train)
if train.iteration:
    its, losses = loss_curve(train)
    path_its, outs = output_path(train)
    k = st.columns(4)
    k[0].metric("iterations so far", f"{train.iteration:,}")
    k[1].metric("E_total now", vw.num(losses[-1]))
    k[2].metric("out_o1 now", vw.num(outs[-1, 0]))
    k[3].metric("out_o2 now", vw.num(outs[-1, 1]))
    f = st.columns(2)
    f[0].plotly_chart(vw.loss_curve_figure(its, losses, style), key="we_loss")
    f[1].plotly_chart(vw.outputs_figure(path_its, outs, fw.targets, style), key="we_outputs")
    if train.diverged is not None:
        st.warning("Training stopped: the error stopped being a finite number. Lower η and start over.")
else:
    st.caption("Run the same network for many iterations and watch E fall and the outputs approach the targets.")
