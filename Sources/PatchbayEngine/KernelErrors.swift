import Netlink
import PatchbayModel

/// Runs a kernel call and turns its `NetlinkError` into the `PatchbayError` the engine reports,
/// with the kernel's own text as the cause.
func translatingKernelErrors<T>(_ body: () throws(NetlinkError) -> T) throws(PatchbayError) -> T {
    do { return try body() } catch {
        throw PatchbayError(.kernel, error.operation, cause: error.extendedMessage.map { "\(error.errnoText) (kernel: \($0))" } ?? error.errnoText)
    }
}
