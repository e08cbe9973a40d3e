// VeilWire: see Package.swift for what this module holds. (Skeleton; filled in by the architecture work.)
