//! The seven header fields of a packet and their domains.

/// One header field of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Proto,
    Src,
    Dst,
    SrcPort,
    DstPort,
    IcmpType,
    IcmpCode,
}

impl Field {
    /// Every field, in index order (`f as usize`).
    pub const ALL: [Field; 7] = [
        Field::Proto,
        Field::Src,
        Field::Dst,
        Field::SrcPort,
        Field::DstPort,
        Field::IcmpType,
        Field::IcmpCode,
    ];

    /// Largest value of the field's domain (the smallest is always 0).
    pub fn max(self) -> u128 {
        match self {
            Field::Proto | Field::IcmpType | Field::IcmpCode => 255,
            Field::Src | Field::Dst => u128::MAX,
            Field::SrcPort | Field::DstPort => 65535,
        }
    }

    /// Human name of the field.
    pub fn name(self) -> &'static str {
        match self {
            Field::Proto => "protocol",
            Field::Src => "source",
            Field::Dst => "destination",
            Field::SrcPort => "source port",
            Field::DstPort => "destination port",
            Field::IcmpType => "icmp type",
            Field::IcmpCode => "icmp code",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_order_and_domains() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
        }
        assert_eq!(Field::Proto.max(), 255);
        assert_eq!(Field::Src.max(), u128::MAX);
        assert_eq!(Field::Dst.max(), u128::MAX);
        assert_eq!(Field::SrcPort.max(), 65535);
        assert_eq!(Field::DstPort.max(), 65535);
        assert_eq!(Field::IcmpType.max(), 255);
        assert_eq!(Field::IcmpCode.max(), 255);
        assert_eq!(Field::DstPort.name(), "destination port");
        assert_eq!(Field::Proto.name(), "protocol");
        assert_eq!(Field::IcmpCode.name(), "icmp code");
    }
}
