document.querySelectorAll('.comments p').forEach(p => p.title = p.dataset.author);
