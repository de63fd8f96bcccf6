from .main import main

# Guarded: `--dask-scheduler local:N` starts worker processes that re-import the main module.
if __name__ == "__main__":
    main()
