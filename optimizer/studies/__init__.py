"""Studies that run the pipeline many times: Pareto fronts (``pareto``), sweeps and break-evens (``sweep``),
and the process/dask executor they share (``executor``)."""
