"""pandas tables of one layer of a step (z, a, δ per neuron; W, ∂L/∂W, ΔW matrices) with CSV downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from engine.trace import StepTrace

MATRICES = {"W": ("W", "b"), "∂L/∂W": ("grad_W", "grad_b"), "ΔW": ("update_W", "update_b")}


def neuron_table(trace: StepTrace, layer: int, sample: int | None) -> pd.DataFrame:
    """Return z, a, δ per neuron of layer (1-based) for one sample (or the batch mean), one row per neuron."""
    lt = trace.layers[layer - 1]

    def pick(arr):
        return arr.mean(axis=0) if sample is None else arr[min(sample, arr.shape[0] - 1)]

    idx = pd.Index([f"neuron {j + 1}" for j in range(lt.W.shape[0])], name=f"layer {layer}")
    columns = {"z": pick(lt.z)}
    if lt.bn is not None:   # batch norm: z → x̂ → y = γx̂ + β → a = f(y); δ at y, then δ at z
        columns |= {"x̂": pick(lt.bn.x_hat), "y": pick(lt.bn.y), "γ": lt.bn.gamma, "β": lt.bn.beta}
    columns["a"] = pick(lt.a)
    if lt.mask is not None:  # dropout: kept (1) or dropped (0), and what the next layer received
        columns |= {"kept m": pick(lt.mask), "m·a/(1−p)": pick(lt.a_next)}
    if lt.bn is not None:
        columns["δ at y"] = pick(lt.bn.delta_y)
    columns["δ" if lt.bn is None else "δ at z"] = pick(lt.delta)
    return pd.DataFrame(columns, index=idx)


def matrix_table(trace: StepTrace, layer: int, which: str) -> pd.DataFrame:
    """Return W, ∂L/∂W or ΔW of a layer: rows = neuron j (to), columns = input k (from), plus the bias column."""
    lt = trace.layers[layer - 1]
    mat_name, bias_name = MATRICES[which]
    M, b = getattr(lt, mat_name), getattr(lt, bias_name)
    cols = [f"from {'x' if layer == 1 else 'h'}{k + 1}" for k in range(M.shape[1])] + ["bias"]
    return pd.DataFrame(np.c_[M, b], columns=cols, index=[f"to neuron {j + 1}" for j in range(M.shape[0])])


def show_layer_tables(trace: StepTrace, sample: int | None, key: str) -> None:
    """Draw the layer picker, the neuron table and the three matrices, each with a CSV download."""
    L = len(trace.layers)
    layer = st.selectbox("Layer", list(range(1, L + 1)), index=L - 1, key=f"{key}_layer",
                         format_func=lambda l: f"layer {l}" + (" (output)" if l == L else " (hidden)"))
    who = "batch mean" if sample is None else f"sample {sample + 1} of the batch"
    st.markdown(f"**Neurons of layer {layer}** — {who}")
    df = neuron_table(trace, layer, sample)
    st.dataframe(df.style.format("{:.6g}"), width="stretch")
    _download(df, f"layer{layer}_neurons_it{trace.iteration}.csv", f"{key}_dl_neurons")
    cols = st.columns(3)
    for col, which in zip(cols, MATRICES):
        with col:
            st.markdown(f"**{which}** (layer {layer})")
            m = matrix_table(trace, layer, which)
            st.dataframe(m.style.format("{:.6g}"), width="stretch")
            _download(m, f"layer{layer}_{MATRICES[which][0]}_it{trace.iteration}.csv", f"{key}_dl_{MATRICES[which][0]}")


def _download(df: pd.DataFrame, name: str, key: str) -> None:
    st.download_button("Download CSV", lambda: df.to_csv().encode(), file_name=name, mime="text/csv", key=key,
                       on_click="ignore")
