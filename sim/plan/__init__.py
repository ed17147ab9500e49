"""Planning: analytic bounds, sizing the smallest plan that meets the targets, call slots."""
