import Glibc
import Netlink
import PatchbayModel

extension PatchbayError {
    /// The engine's view of a failed kernel call, keeping what callers match on: EEXIST becomes
    /// `.alreadyExists`, ENODEV `.notFound`, the rest `.kernel`; the kernel's own text is the cause.
    init(_ error: NetlinkError) {
        let code: PatchbayError.Code = switch error.errno {
        case EEXIST: .alreadyExists
        case ENODEV: .notFound
        default: .kernel
        }
        self.init(code, error.operation, cause: error.extendedMessage.map { "\(error.errnoText) (kernel: \($0))" } ?? error.errnoText)
    }
}

/// Runs a kernel call and turns its `NetlinkError` into a `PatchbayError`.
func translatingKernelErrors<T>(_ body: () throws(NetlinkError) -> T) throws(PatchbayError) -> T {
    do { return try body() } catch { throw PatchbayError(error) }
}
