package dev.actinium.act;

/**
 * Which half of a gated op's input (the last dimension, 2 cols wide) holds the gate, the half that
 * goes through the activation; the other half ("up", or "value") is multiplied by it.
 */
public enum GateHalf {
    /** [gate | up]: Transformer Engine's and most LLM code's layout of a fused gate/up projection. */
    FIRST,
    /** [up | gate]: PyTorch's {@code torch.nn.functional.glu} (its second half is the sigmoid's). */
    SECOND
}
