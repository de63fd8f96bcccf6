"""Pictures and documents people read.

- :mod:`.quicklook` — true/false-colour pictures of a time series and cloud cover by date;
- :mod:`.alertmap` — alerts over a cloud-free background, coloured by cause;
- :mod:`.bulletin` — the monthly bulletin (HTML with ``templates/``, and PDF), words in :mod:`.text`;
- :mod:`.make` — assembles the bulletin from alerts (file or store), zones and optional imagery;
- :mod:`.mercury_section` — the bulletin's mercury section;
- :mod:`.mercury_figure` — the mercury map figure;
- :mod:`.fish_guide` — the printable fish-consumption guide (HTML and PDF);
- :mod:`.restore_figures` — recovery trajectories and the land-use suitability map;
- :mod:`.pdf` — HTML to PDF with WeasyPrint (the optional ``pdf`` extra).
"""
