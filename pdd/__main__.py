from pdd.run import main

raise SystemExit(main())
