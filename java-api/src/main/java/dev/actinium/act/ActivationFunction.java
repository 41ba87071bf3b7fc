package dev.actinium.act;

/**
 * An activation with its parameters: an {@link Activation} stands for itself with PyTorch's
 * defaults, {@link Activation#with} gives one other parameters. Immutable; validated when made.
 */
public sealed interface ActivationFunction permits Activation, ParameterizedActivation {
    /** The op of the native list. */
    Activation op();

    /** The parameters, in the order of {@link Activation#parameters()} (a copy). */
    float[] params();
}
