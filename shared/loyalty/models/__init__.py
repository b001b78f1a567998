"""Wire models (request bodies, validated by the resolver) and the builders of response objects."""
