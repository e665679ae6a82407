"""The processes of the week: one module per mechanism, in step order (``sim.model.PROCESSES``)."""
