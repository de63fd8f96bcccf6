"""Pictures and documents people read: quick-looks now, bulletins and evidence later."""
