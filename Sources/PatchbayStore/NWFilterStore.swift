import PatchbayModel

/// Where network filters and their bindings live, so both come back after a restart.
public protocol NWFilterStore: Sendable {
    func nwfilters() async throws(PatchbayError) -> [NWFilterRecord]
    func nwfilter(named name: String) async throws(PatchbayError) -> NWFilterRecord?
    /// Inserts or replaces the filter of that name.
    func save(_ filter: NWFilterRecord) async throws(PatchbayError)
    func deleteNWFilter(named name: String) async throws(PatchbayError)

    func nwfilterBindings() async throws(PatchbayError) -> [NWFilterBindingRecord]
    func nwfilterBinding(device: String) async throws(PatchbayError) -> NWFilterBindingRecord?
    /// Inserts or replaces the binding of that device.
    func save(_ binding: NWFilterBindingRecord) async throws(PatchbayError)
    func deleteNWFilterBinding(device: String) async throws(PatchbayError)
}
