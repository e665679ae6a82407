"""Policy tools: budgets, comparisons, assumptions, the dashboard, the optimiser, the report."""
