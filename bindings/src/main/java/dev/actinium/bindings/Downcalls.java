package dev.actinium.bindings;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Binds the functions of the generated {@link ActiniumNative}, once each, into the static final
 * field of a holder class. A function whose library or symbol is unavailable gets a handle that
 * throws a fresh {@link UnsatisfiedLinkError} with the reason on every call, instead of a holder
 * whose failed initialisation would make every call after the first a NoClassDefFoundError.
 */
final class Downcalls {
    private Downcalls() {}

    private static final MethodHandle NEW_ERROR;

    static {
        try {
            NEW_ERROR = MethodHandles.publicLookup().findConstructor(UnsatisfiedLinkError.class,
                    MethodType.methodType(void.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The downcall handle of f; a function marked short is linked critical, so heap segments pass without a copy. */
    static MethodHandle bind(ActiniumNative.FunctionInfo f) {
        try {
            MemorySegment symbol = (f.cuda() ? NativeLibraries.cuda() : NativeLibraries.cpu()).findOrThrow(f.name());
            return f.critical()
                    ? Linker.nativeLinker().downcallHandle(symbol, f.descriptor(), Linker.Option.critical(true))
                    : Linker.nativeLinker().downcallHandle(symbol, f.descriptor());
        } catch (UnsatisfiedLinkError e) {
            return throwing(f.descriptor().toMethodType(), e.getMessage());
        }
    }

    /** A handle of the given type that throws a new UnsatisfiedLinkError(message) whenever it is called. */
    static MethodHandle throwing(MethodType type, String message) {
        MethodHandle newError = MethodHandles.insertArguments(NEW_ERROR, 0, message);
        MethodHandle thrower = MethodHandles.throwException(type.returnType(), UnsatisfiedLinkError.class);
        return MethodHandles.dropArguments(MethodHandles.foldArguments(thrower, newError), 0, type.parameterList());
    }
}
