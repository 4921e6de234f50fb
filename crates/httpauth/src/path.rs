//! Request-path normalisation: one form of the path, made once at the edge.
