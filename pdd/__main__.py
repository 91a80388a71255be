from pdd.pipeline.run import main

raise SystemExit(main())
