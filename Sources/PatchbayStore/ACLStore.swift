import PatchbayModel

/// Where network ACLs live (rules and attachments together), so they come back after a restart.
public protocol ACLStore: Sendable {
    func acls() async throws(PatchbayError) -> [NetworkACL]
    func acl(named name: String) async throws(PatchbayError) -> NetworkACL?
    /// Inserts or replaces the ACL of that name.
    func save(_ acl: NetworkACL) async throws(PatchbayError)
    func deleteACL(named name: String) async throws(PatchbayError)
}
