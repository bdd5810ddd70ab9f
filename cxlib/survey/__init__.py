"""Survey indices: scales, NPS, CSAT, CES, the loyalty and secure-customer indices, engagement."""
