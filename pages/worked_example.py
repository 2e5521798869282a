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
from ui.chrome import result_boxes
from ui.session import current_style, presenter_mode
from ui.viewport import Space, column_space
from viz import worked as vw

#: the editable numbers as rows of (name, short label, help) on screen
ROWS = (
    (("i1", "i1", "input 1"), ("i2", "i2", "input 2"), ("t1", "t_o1", "target of o1"), ("t2", "t_o2", "target of o2"),
     ("lr", "η", "learning rate")),
    (("w1", "w1", "i1 → h1"), ("w2", "w2", "i2 → h1"), ("w3", "w3", "i1 → h2"), ("w4", "w4", "i2 → h2"),
     ("b1", "b1", "bias of the hidden layer")),
    (("w5", "w5", "h1 → o1"), ("w6", "w6", "h2 → o1"), ("w7", "w7", "h1 → o2"), ("w8", "w8", "h2 → o2"),
     ("b2", "b2", "bias of the output layer")),
)
LIMITS = {"t1": (0.0, 1.0), "t2": (0.0, 1.0), "lr": (1e-4, 100.0)}
INPUT_PX = 76  #: holds "0.5933" at the page's font; five fit a row beside the drawing
WIDE_PX = 1000  #: a main area at least this wide has the drawing and the numbers side by side


def reset_numbers() -> None:
    for name, value in TEXTBOOK.to_dict().items():
        st.session_state[f"we_{name}"] = value


def number_inputs() -> WorkedNumbers:
    # fixed-width boxes that wrap onto more rows in a narrow column, so a value is never cut
    values = {}
    for row in ROWS:
        with st.container(horizontal=True, gap="xsmall"):
            for name, label, what in row:
                lo, hi = LIMITS.get(name, (-100.0, 100.0))
                values[name] = st.number_input(label, lo, hi, value=getattr(TEXTBOOK, name), step=0.01,
                                               format="%.6g", key=f"we_{name}", persist_state="session", help=what,
                                               width=INPUT_PX)
    return WorkedNumbers.from_dict(values)


def cached(slot: str, key: tuple, build):
    """Return session_state[slot]'s object when it was built for `key`, else build and keep a new one."""
    held = st.session_state.get(slot)
    if held is None or held[0] != key:
        st.session_state[slot] = (key, build())
    return st.session_state[slot][1]


style = current_style()
if not presenter_mode():  # on the projector the navigation bar names the page; the drawing needs the rows
    st.markdown("#### Worked example: one step of backprop on the 2-2-2 network")
# before the browser reports, guess the main area of a 1280-px projector (the sidebar folded in presenter mode)
page = column_space("we_page", Space(1232 if presenter_mode() else 910, 110))
if page.width >= WIDE_PX:
    drawing_col, numbers_col = st.columns([3, 2], gap="medium")
    numbers_box = numbers_col.container()
else:  # a narrow screen: the drawing first, the numbers folded under it (the first forward lines stay in view)
    drawing_col = st.container()
    numbers_box = drawing_col.expander("Your own numbers (edit any of them)")
with numbers_box:
    numbers = number_inputs()
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Textbook values", key="we_reset", on_click=reset_numbers, help="Back to the notes' numbers")
        train_biases = st.toggle("Biases too", key="we_biases", persist_state="session",
                                 help="Update the biases as well, as PyTorch's optimizer.step() does; the notes keep "
                                      "them fixed")
        show_fd = st.toggle("Finite diff.", key="we_fd", persist_state="session",
                            help="Show the central finite-difference gradient next to every analytic one")

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
with drawing_col:
    space = column_space("we_space", Space(int(0.6 * page.width) - 16 if page.width >= WIDE_PX else page.width,
                                           page.top + 50))
    # leave room under the drawing for the punchline, the notation and the first forward lines
    below = 330 if page.width >= WIDE_PX else 380
    height = max(250, min(int(0.6 * space.width), 420, space.height_left() - below))
    st.plotly_chart(vw.worked_network(trace, fw, style, width=space.width, height=height),
                    key="we_network", width="content", config={"displayModeBar": False})
    change = error_after(trace) - trace.loss
    result_boxes([("E_total before the update", vw.num(trace.loss)),
                  (f"after one update ({'+' if change >= 0 else '−'}{vw.num(abs(change))})",
                   vw.num(error_after(trace)))], big=True)
    st.caption(vw.NOTATION)

st.markdown("##### 1 · Forward pass")
for block in vw.forward_lines(fw, trace):
    st.latex(block)
st.markdown("##### 2 · Error")
for line in vw.error_lines(fw):
    st.latex(line)

st.markdown("##### 3 · Backward pass, output layer (w5 … w8)")
for group in vw.output_layer_blocks(out_chain, fw.targets, trace.lr, numeric):
    for block in group:
        st.latex(block)

st.markdown("##### 4 · Backward pass, hidden layer (w1 … w4)")
st.info("Each hidden neuron feeds both outputs, so ∂E/∂out_h is a sum over the two paths. The paths use the "
        "**original** w5 … w8 (the ones of the forward pass), not the updated ones.")
for group in vw.hidden_layer_blocks(hid_chain, trace.lr, numeric):
    for block in group:
        st.latex(block)
if train_biases:
    st.markdown("**Biases** (one per neuron, as in PyTorch's `nn.Linear`): ∂E/∂b = δ·1")
    for line in vw.bias_lines((hid_chain, out_chain), trace, trace.lr):
        st.latex(line)

st.markdown("##### 5 · Update")
st.plotly_chart(vw.update_table(update_rows(trace, numeric, train_biases), style, numeric is not None),
                key="we_table", config={"displayModeBar": False})
after = outputs_after(trainer, trace)
result_boxes([("E_total before the update", vw.num(trace.loss)),
              ("E_total after the update", vw.num(error_after(trace))),
              (f"out_o1 after (target {fw.targets[0]:g})", vw.num(after[0])),
              (f"out_o2 after (target {fw.targets[1]:g})", vw.num(after[1]))])

st.markdown("##### Keep training")
train = cached("we_train", key, lambda: build_trainer(*key))
with st.container(horizontal=True, vertical_alignment="bottom"):
    n = st.number_input("iterations to run", 1, 10_000, 10_000, step=100, key="we_n", width=200)
    if st.button("Keep training", key="we_run", type="primary"):
        bar = st.progress(0.0, text="training …")
        train.run(int(n), lambda done, total: bar.progress(done / total, text=f"{done} / {total} iterations"))
        bar.empty()
    if st.button("Start over", key="we_restart"):
        train = build_trainer(*key)
        st.session_state["we_train"] = (key, train)
if train.iteration:
    its, losses = loss_curve(train)
    path_its, outs = output_path(train)
    result_boxes([("iterations so far", f"{train.iteration:,}"), ("E_total now", vw.num(losses[-1])),
                  ("out_o1 now", vw.num(outs[-1, 0])), ("out_o2 now", vw.num(outs[-1, 1]))])
    f = st.columns(2)
    f[0].plotly_chart(vw.loss_curve_figure(its, losses, style), key="we_loss")
    f[1].plotly_chart(vw.outputs_figure(path_its, outs, fw.targets, style), key="we_outputs")
    if train.diverged is not None:
        st.warning("Training stopped: the error stopped being a finite number. Lower η and start over.")
else:
    st.caption("Run the same network for many iterations and watch E fall and the outputs approach the targets.")
