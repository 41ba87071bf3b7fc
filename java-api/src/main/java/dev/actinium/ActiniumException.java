package dev.actinium;

/** A native call failed; carries the native status and message ({@code ak_last_error}). */
public final class ActiniumException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    /** A failed native call's status (an {@code ak_status} code) and message. */
    public ActiniumException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The {@code ak_status} code. */
    public int status() {
        return status;
    }
}
