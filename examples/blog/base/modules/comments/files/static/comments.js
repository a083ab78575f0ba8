document.querySelectorAll('.comments p').forEach(p => p.classList.add('comment'));
