// The DNS message format (RFC 1035 and friends); see DNSMessage.swift.
